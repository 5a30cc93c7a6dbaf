// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels;

import dev.egemma.gguf.GgmlType;
import dev.egemma.gguf.GgufTensor;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.Set;

/**
 * A weight matrix of {@code rows} output rows of {@code cols} inputs each, stored row after row in ggml
 * layout straight from the mapped file (no copy). Row {@code n} starts at byte {@code n * rowBytes}.
 * The size of {@code data} is checked here once, so kernels may index it without further checks.
 */
public record WeightMatrix(String name, GgmlType type, int rows, int cols, MemorySegment data) {

    /** Weight types every backend computes (the Java kernels all of them; libegemma F32, F16, BF16 and Q8_0 so far). */
    public static final Set<GgmlType> SUPPORTED = java.util.Collections.unmodifiableSet(java.util.EnumSet.of(
            GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0,
            GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL,
            GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_XS));

    public WeightMatrix {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        if (!SUPPORTED.contains(type)) throw new IllegalArgumentException(name + ": weight type " + type + " is not supported, expected one of " + SUPPORTED);
        if (rows <= 0 || cols <= 0) throw new IllegalArgumentException(name + ": bad shape " + cols + " x " + rows);
        if (cols % type.blockSize != 0)
            throw new IllegalArgumentException(name + ": row length " + cols + " is not a multiple of the " + type + " block size " + type.blockSize);
        long need = Math.multiplyExact(type.byteSize(cols), (long) rows);
        if (data.byteSize() < need)
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes of data, " + need + " needed for " + cols + " x " + rows + " " + type);
    }

    /** Binds a 2-D tensor of a GGUF file (ggml shape {cols, rows}). */
    public static WeightMatrix of(GgufTensor t) {
        if (t.shape().length != 2) throw new IllegalArgumentException(t.name() + ": expected a 2-D tensor, shape has " + t.shape().length + " dimensions");
        long cols = t.shape()[0], rows = t.shape()[1];
        if (cols > Integer.MAX_VALUE || rows > Integer.MAX_VALUE) throw new IllegalArgumentException(t.name() + ": shape too large " + cols + " x " + rows);
        return new WeightMatrix(t.name(), t.type(), (int) rows, (int) cols, t.data());
    }

    public long rowBytes() {
        return type.byteSize(cols);
    }

    /**
     * As the record's own hash, but without MemorySegment.hashCode, which boxes its address into an array on every
     * call (the native backend looks its packed weights up by matrix for each product tile). Agrees with
     * {@link #equals}: equal segments have the same address.
     */
    @Override
    public int hashCode() {
        int h = Objects.hashCode(name);
        h = 31 * h + type.hashCode();
        h = 31 * h + rows;
        h = 31 * h + cols;
        return 31 * h + Long.hashCode(data.address());
    }
}
