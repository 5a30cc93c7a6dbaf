// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes GGUF bytes field by field, valid or not, for validation tests; {@link #pos()} gives offsets. */
final class RawGguf {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    int pos() {
        return out.size();
    }

    RawGguf u8(int v) {
        out.write(v);
        return this;
    }

    RawGguf u32(long v) {
        for (int i = 0; i < 4; i++) out.write((int) (v >>> (8 * i)));
        return this;
    }

    RawGguf u64(long v) {
        for (int i = 0; i < 8; i++) out.write((int) (v >>> (8 * i)));
        return this;
    }

    RawGguf str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(b.length);
        out.writeBytes(b);
        return this;
    }

    /** magic, version 3, counts. */
    RawGguf header(long tensors, long kvs) {
        return u32(GgufFile.MAGIC).u32(3).u64(tensors).u64(kvs);
    }

    RawGguf kvU32(String key, long v) {
        return str(key).u32(GgufValueType.UINT32.id).u32(v);
    }

    RawGguf tensorInfo(String name, GgmlType type, long offset, long... shape) {
        return tensorInfo(name, type.id, offset, shape);
    }

    /** A tensor info with a raw type id, known to ggml or not. */
    RawGguf tensorInfo(String name, int typeId, long offset, long... shape) {
        str(name).u32(shape.length);
        for (long d : shape) u64(d);
        return u32(typeId).u64(offset);
    }

    RawGguf zeros(int n) {
        out.writeBytes(new byte[n]);
        return this;
    }

    RawGguf padTo(int alignment) {
        while (out.size() % alignment != 0) out.write(0);
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
