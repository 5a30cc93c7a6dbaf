// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF v3: metadata of every type (arrays of strings and arrays of arrays included), tensor infos,
 * then each tensor's data at an offset aligned to {@code general.alignment} (default 32) and zero-padded
 * to the next multiple of it, as ggml and gguf-py lay files out. Tensors keep the order they were added in.
 *
 * <pre>{@code
 * new GgufWriter()
 *     .putString("general.architecture", "gemma-embedding")
 *     .putU32("gemma-embedding.embedding_length", 64)
 *     .tensor("output_norm.weight", GgmlType.F32, new long[] {64}, weights)
 *     .write(path);
 * }</pre>
 */
public final class GgufWriter {
    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    private record Tensor(String name, GgmlType type, long[] shape, MemorySegment data) {}

    /** An empty writer: add metadata and tensors, then write. */
    public GgufWriter() {}

    /**
     * A writer holding all of {@code f}'s metadata and tensors (data not copied until written).
     *
     * @param f an open file; it must stay open until this writer has written
     * @return a new writer, to change and write elsewhere
     */
    public static GgufWriter copyOf(GgufFile f) {
        GgufWriter w = new GgufWriter();
        f.metadata().forEach(w::put);
        for (GgufTensor t : f.tensors().values()) w.tensor(t.name(), t.type(), t.shape(), t.data());
        return w;
    }

    /**
     * Sets a metadata value, replacing any under the same key (which then keeps its place in the order).
     *
     * @param key   the metadata key
     * @param value the typed value
     * @return this writer
     * @throws IllegalArgumentException if the value's Java representation does not match its type
     */
    public GgufWriter put(String key, GgufValue value) {
        checkRepresentation(key, value);
        metadata.put(key, value);
        return this;
    }

    /**
     * Sets a metadata value from its type and Java representation (see {@link GgufValue#value()}).
     *
     * @param key   the metadata key
     * @param type  the GGUF type
     * @param value the value, e.g. a {@code Long} for UINT32
     * @return this writer
     * @throws IllegalArgumentException if {@code value} does not match {@code type}
     */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        return put(key, GgufValue.of(type, value));
    }

    /**
     * Removes a metadata value, if present.
     *
     * @param key the metadata key
     * @return this writer
     */
    public GgufWriter remove(String key) {
        metadata.remove(key);
        return this;
    }

    /**
     * Sets a STRING value.
     *
     * @param key the metadata key
     * @param v   the string, written as UTF-8
     * @return this writer
     */
    public GgufWriter putString(String key, String v) {
        return put(key, GgufValueType.STRING, v);
    }

    /**
     * Sets a UINT32 value.
     *
     * @param key the metadata key
     * @param v   the value, 0 to 2^32-1
     * @return this writer
     * @throws IllegalArgumentException if {@code v} is out of range
     */
    public GgufWriter putU32(String key, long v) {
        if (v < 0 || v > 0xffffffffL) throw new IllegalArgumentException(key + ": " + v + " is not a u32");
        return put(key, GgufValueType.UINT32, v);
    }

    /**
     * Sets an INT32 value.
     *
     * @param key the metadata key
     * @param v   the value
     * @return this writer
     */
    public GgufWriter putI32(String key, int v) {
        return put(key, GgufValueType.INT32, v);
    }

    /**
     * Sets a FLOAT32 value.
     *
     * @param key the metadata key
     * @param v   the value
     * @return this writer
     */
    public GgufWriter putF32(String key, float v) {
        return put(key, GgufValueType.FLOAT32, v);
    }

    /**
     * Sets a BOOL value.
     *
     * @param key the metadata key
     * @param v   the value
     * @return this writer
     */
    public GgufWriter putBool(String key, boolean v) {
        return put(key, GgufValueType.BOOL, v);
    }

    /**
     * An array; {@code values} as {@link GgufValue#value()} documents (e.g. float[] for FLOAT32).
     *
     * @param key         the metadata key
     * @param elementType the elements' type
     * @param values      the elements, e.g. a {@code float[]} or {@code String[]}
     * @return this writer
     * @throws IllegalArgumentException if {@code values} does not match {@code elementType}
     */
    public GgufWriter putArray(String key, GgufValueType elementType, Object values) {
        return put(key, GgufValue.array(elementType, values));
    }

    /**
     * The metadata to write, in order.
     *
     * @return the writer's own, modifiable map (changes made through it are not checked)
     */
    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    /**
     * Removes a tensor, if present.
     *
     * @param name the tensor's name
     * @return this writer
     */
    public GgufWriter removeTensor(String name) {
        tensors.remove(name);
        return this;
    }

    /**
     * Adds a tensor whose bytes are already in {@code type}'s encoding.
     *
     * @param name  the tensor's name, 1 to {@link GgufFile#MAX_TENSOR_NAME} bytes of UTF-8, not yet added
     * @param type  its type
     * @param shape dimensions in ggml order (1 to {@link GgufFile#MAX_DIMS}, each positive; {@code shape[0]} a multiple
     *        of the type's block size); copied
     * @param data  exactly {@code type.byteSize(elements)} bytes, read when written
     * @return this writer
     * @throws IllegalArgumentException if the name, shape or size is invalid, or the name is taken
     */
    public GgufWriter tensor(String name, GgmlType type, long[] shape, MemorySegment data) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length == 0 || nameBytes.length > GgufFile.MAX_TENSOR_NAME)
            throw new IllegalArgumentException("tensor name '" + name + "' must be 1.." + GgufFile.MAX_TENSOR_NAME + " bytes");
        if (shape.length < 1 || shape.length > GgufFile.MAX_DIMS) throw new IllegalArgumentException(name + ": " + shape.length + " dims");
        long n = 1;
        for (long d : shape) {
            if (d <= 0) throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        if (shape[0] % type.blockSize != 0)
            throw new IllegalArgumentException(name + ": ne[0]=" + shape[0] + " is not a multiple of " + type + "'s block size");
        if (data.byteSize() != type.byteSize(n))
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes, expected " + type.byteSize(n) + " for " + type + " " + Arrays.toString(shape));
        if (tensors.putIfAbsent(name, new Tensor(name, type, shape.clone(), data)) != null)
            throw new IllegalArgumentException("duplicate tensor " + name);
        return this;
    }

    /**
     * Adds a tensor from floats, converted to F32, F16, BF16 or Q8_0 (ggml's reference quantizer).
     *
     * @param name   the tensor's name (as for the other {@code tensor} method)
     * @param type   F32, F16, BF16 or Q8_0
     * @param shape  dimensions in ggml order
     * @param values the values, row after row ({@code shape[0]} per row)
     * @return this writer
     * @throws IllegalArgumentException for another type, or as the other {@code tensor} method
     */
    public GgufWriter tensor(String name, GgmlType type, long[] shape, float[] values) {
        return tensor(name, type, shape, MemorySegment.ofArray(encode(type, values)));
    }

    /**
     * {@code values} in {@code type}'s encoding (little-endian).
     *
     * @param type   F32, F16, BF16 or Q8_0 (the length then a multiple of 32)
     * @param values the values
     * @return the encoded bytes
     * @throws IllegalArgumentException for another type
     */
    public static byte[] encode(GgmlType type, float[] values) {
        return switch (type) {
            case F32 -> {
                byte[] b = new byte[values.length * 4];
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values);
                yield b;
            }
            case F16, BF16 -> {
                byte[] b = new byte[values.length * 2];
                for (int i = 0; i < values.length; i++) {
                    short h = type == GgmlType.F16 ? Half.f32ToF16(values[i]) : Half.f32ToBf16(values[i]);
                    b[2 * i] = (byte) h;
                    b[2 * i + 1] = (byte) (h >>> 8);
                }
                yield b;
            }
            case Q8_0 -> Q8Quantizer.quantize(values);
            default -> throw new IllegalArgumentException("writing " + type + " from floats is not supported (F32, F16, BF16, Q8_0 are)");
        };
    }

    private int alignment() {
        GgufValue a = metadata.get("general.alignment");
        if (a == null) return GgufFile.DEFAULT_ALIGNMENT;
        if (a.type() != GgufValueType.UINT32) throw new IllegalArgumentException("general.alignment must be a UINT32");
        long v = (Long) a.value();
        if (v <= 0 || v > (1 << 20) || (v & (v - 1)) != 0) throw new IllegalArgumentException("general.alignment " + v + " is not a power of two");
        return (int) v;
    }

    /**
     * Writes the file (replacing it if it exists).
     *
     * @param out the file to write
     * @throws IOException              if it cannot be written
     * @throws IllegalArgumentException if {@code general.alignment} is not a UINT32 power of two
     */
    public void write(Path out) throws IOException {
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            write(ch);
        }
    }

    /**
     * The file's bytes in memory (for small images: metadata only, such as a tokenizer to embed in another file).
     *
     * @return the whole GGUF image
     * @throws IOException              not thrown in practice (the bytes go to memory)
     * @throws IllegalArgumentException if {@code general.alignment} is not a UINT32 power of two
     */
    public byte[] toByteArray() throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        write(java.nio.channels.Channels.newChannel(bytes));
        return bytes.toByteArray();
    }

    private void write(WritableByteChannel ch) throws IOException {
        int alignment = alignment();
        Buf h = new Buf();
        h.i32(GgufFile.MAGIC).i32(3).i64(tensors.size()).i64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            h.str(e.getKey());
            h.i32(e.getValue().type().id);
            writeValue(h, e.getKey(), e.getValue());
        }
        List<Long> offsets = new ArrayList<>();
        long offset = 0;
        for (Tensor t : tensors.values()) {
            h.str(t.name).i32(t.shape.length);
            for (long d : t.shape) h.i64(d);
            h.i32(t.type.id).i64(offset);
            offsets.add(offset);
            offset = GgufFile.alignUp(offset + t.data.byteSize(), alignment);
        }
        h.pad(alignment);
        writeFully(ch, ByteBuffer.wrap(h.bytes, 0, h.size));
        byte[] zeros = new byte[alignment];
        for (Tensor t : tensors.values()) {
            long n = t.data.byteSize();
            for (long p = 0; p < n; p += 1 << 30) writeFully(ch, t.data.asSlice(p, Math.min(1 << 30, n - p)).asByteBuffer());
            int pad = (int) (GgufFile.alignUp(n, alignment) - n);
            writeFully(ch, ByteBuffer.wrap(zeros, 0, pad));
        }
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static void checkRepresentation(String key, GgufValue v) {
        if (v.stringArray() != null) return; // the record already guarantees its representation
        try {
            writeValue(new Buf(), key, v);
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException(key + ": value " + v.value().getClass().getSimpleName() + " does not match type " + v.type()
                    + (v.elementType() != null ? " of " + v.elementType() : ""), e);
        }
    }

    private static void writeValue(Buf b, String key, GgufValue v) {
        if (v.type() == GgufValueType.ARRAY) {
            writeArray(b, key, v);
            return;
        }
        Object o = v.value();
        switch (v.type()) {
            case UINT8, INT8 -> b.u8((Integer) o);
            case BOOL -> b.u8((Boolean) o ? 1 : 0);
            case UINT16, INT16 -> b.i16((Integer) o);
            case INT32 -> b.i32((Integer) o);
            case UINT32 -> b.i32((int) (long) (Long) o);
            case UINT64, INT64 -> b.i64((Long) o);
            case FLOAT32 -> b.i32(Float.floatToRawIntBits((Float) o));
            case FLOAT64 -> b.i64(Double.doubleToRawLongBits((Double) o));
            case STRING -> b.str((String) o);
            default -> throw new AssertionError(v.type());
        }
    }

    private static void writeArray(Buf b, String key, GgufValue v) {
        GgufValueType et = v.elementType();
        b.i32(et.id).i64(v.length());
        switch (et) {
            case UINT8, INT8 -> { for (byte x : (byte[]) v.value()) b.u8(x); }
            case BOOL -> { for (boolean x : (boolean[]) v.value()) b.u8(x ? 1 : 0); }
            case UINT16, INT16 -> { for (short x : (short[]) v.value()) b.i16(x); }
            case UINT32, INT32 -> { for (int x : (int[]) v.value()) b.i32(x); }
            case UINT64, INT64 -> { for (long x : (long[]) v.value()) b.i64(x); }
            case FLOAT32 -> { for (float x : (float[]) v.value()) b.i32(Float.floatToRawIntBits(x)); }
            case FLOAT64 -> { for (double x : (double[]) v.value()) b.i64(Double.doubleToRawLongBits(x)); }
            case STRING -> {
                GgufStringArray s = v.stringArray();
                for (int i = 0; i < s.size(); i++) b.bytes(s.bytes(i));
            }
            case ARRAY -> {
                for (GgufValue x : (GgufValue[]) v.value()) {
                    if (x.type() != GgufValueType.ARRAY) throw new ClassCastException("element of an array of arrays is " + x.type());
                    writeArray(b, key, x);
                }
            }
        }
    }

    /** A growable little-endian byte buffer for the header. */
    private static final class Buf {
        byte[] bytes = new byte[1 << 12];
        int size;

        private void ensure(int n) {
            if (size + n > bytes.length) bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + n));
        }

        Buf u8(int v) {
            ensure(1);
            bytes[size++] = (byte) v;
            return this;
        }

        Buf i16(int v) {
            ensure(2);
            bytes[size++] = (byte) v;
            bytes[size++] = (byte) (v >>> 8);
            return this;
        }

        Buf i32(int v) {
            ensure(4);
            for (int i = 0; i < 4; i++) bytes[size++] = (byte) (v >>> (8 * i));
            return this;
        }

        Buf i64(long v) {
            ensure(8);
            for (int i = 0; i < 8; i++) bytes[size++] = (byte) (v >>> (8 * i));
            return this;
        }

        Buf bytes(byte[] s) {
            i64(s.length);
            ensure(s.length);
            System.arraycopy(s, 0, bytes, size, s.length);
            size += s.length;
            return this;
        }

        Buf str(String s) {
            return bytes(s.getBytes(StandardCharsets.UTF_8));
        }

        Buf pad(int alignment) {
            int n = (int) (GgufFile.alignUp(size, alignment) - size);
            ensure(n);
            size += n;
            return this;
        }
    }
}
