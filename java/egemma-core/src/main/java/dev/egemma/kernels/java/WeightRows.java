// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import dev.egemma.gguf.Dequantizer;
import dev.egemma.kernels.WeightMatrix;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Reads and dequantizes weight rows of a {@link WeightMatrix} (ggml layouts, little-endian). */
public final class WeightRows {
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Bytes of a Q8_0 block: fp16 scale then 32 int8. */
    static final int Q8_BLOCK_BYTES = 34;

    private WeightRows() {}

    /** Row {@code n} of {@code w} as floats into {@code out[off..off+cols)} (Q8_0: {@code q * d} in float, as ggml). */
    public static void dequantizeRow(WeightMatrix w, int n, float[] out, int off) {
        if (n < 0 || n >= w.rows()) throw new IndexOutOfBoundsException(w.name() + ": row " + n + " of " + w.rows());
        MemorySegment s = w.data();
        long base = n * w.rowBytes();
        int k = w.cols();
        switch (w.type()) {
            case F32 -> MemorySegment.copy(s, LE_FLOAT, base, out, off, k);
            case F16 -> {
                for (int j = 0; j < k; j++) out[off + j] = Float.float16ToFloat(s.get(LE_SHORT, base + 2L * j));
            }
            case BF16 -> {
                for (int j = 0; j < k; j++) out[off + j] = Float.intBitsToFloat((s.get(LE_SHORT, base + 2L * j) & 0xffff) << 16);
            }
            case Q8_0 -> {
                for (int b = 0; b < k / 32; b++) {
                    long o = base + (long) b * Q8_BLOCK_BYTES;
                    float d = Float.float16ToFloat(s.get(LE_SHORT, o));
                    for (int j = 0; j < 32; j++) out[off + b * 32 + j] = s.get(ValueLayout.JAVA_BYTE, o + 2 + j) * d;
                }
            }
            // Every other type has one definition of its block decoding, the reference one (throws for a type it lacks).
            default -> Dequantizer.dequantize(w.name(), w.type(), s, base, out, off, k);
        }
    }
}
