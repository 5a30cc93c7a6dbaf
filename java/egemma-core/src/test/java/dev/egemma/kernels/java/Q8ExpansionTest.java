package dev.egemma.kernels.java;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.egemma.gguf.Dequantizer;
import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.Activations;
import dev.egemma.kernels.WeightMatrix;

import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Q8Expansion}: exactly Q4_0, Q5_0 and IQ4_NL expand; the expansion holds the same values (ggml's Q8_0
 * dequantization of it equals ggml's dequantization of the original, bit for bit); and the block-order product of the
 * original type equals the Q8_0 block-order product of the expansion ({@link BlockDot} on Q8_0 blocks, the formula
 * libegemma's Q8_0 GEMM computes in its block order), on awkward row counts and an odd number of blocks.
 */
class Q8ExpansionTest {

    @Test
    void exactlyTheThirtyTwoWideTypesWithoutScalesOrMinsExpand() {
        EnumSet<GgmlType> expanding = EnumSet.noneOf(GgmlType.class);
        for (GgmlType t : GgmlType.values()) if (Q8Expansion.expands(t)) expanding.add(t);
        assertEquals(EnumSet.of(GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.IQ4_NL), expanding);
        WeightMatrix q4k = new WeightMatrix("w", GgmlType.Q4_K, 1, 256, MemorySegment.ofArray(new byte[144]));
        assertThrows(IllegalArgumentException.class, () -> Q8Expansion.expand(q4k, 0, 1, MemorySegment.ofArray(new byte[272])));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Q4_0", "Q5_0", "IQ4_NL"})
    void sameValuesAndSameBlockOrderProduct(String name) {
        GgmlType type = GgmlType.valueOf(name);
        SplittableRandom rnd = new SplittableRandom(type.id);
        int n = 5, k = 32 * 37;
        byte[] bytes = new byte[(int) type.byteSize(k) * n];
        rnd.nextBytes(bytes);
        for (int at = 0; at < bytes.length; at += type.typeSize) {
            short d = Float.floatToFloat16((float) ((rnd.nextBoolean() ? 1 : -1) * Math.scalb(1 + rnd.nextDouble(), -20 + rnd.nextInt(24))));
            bytes[at] = (byte) d;
            bytes[at + 1] = (byte) (d >> 8);
        }
        WeightMatrix w = new WeightMatrix("w", type, n, k, MemorySegment.ofArray(bytes));
        MemorySegment q8 = MemorySegment.ofArray(new byte[(int) Q8Expansion.expandedBytes(w)]);
        Q8Expansion.expand(w, 0, n, q8);
        float[] original = new float[n * k], expanded = new float[n * k];
        Dequantizer.dequantize("original", type, w.data(), 0, original, 0, n * k);
        Dequantizer.dequantize("expanded", GgmlType.Q8_0, q8, 0, expanded, 0, n * k);
        assertArrayEquals(original, expanded, type + ": values of the expansion");

        // a row range lands at the start of dst
        MemorySegment part = MemorySegment.ofArray(new byte[(int) GgmlType.Q8_0.byteSize(k) * 2]);
        Q8Expansion.expand(w, 2, 4, part);
        assertEquals(q8.asSlice(2 * GgmlType.Q8_0.byteSize(k), part.byteSize()).mismatch(part), -1L, "rows [2, 4)");

        for (int m : new int[] {1, 31, 33}) {
            float[] a = new float[m * k];
            for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextGaussian() * Math.scalb(1.0, (i / 32) % 9 - 4));
            ScalarKernels java = new ScalarKernels();
            Activations act = java.prepare(a, m, k, w);
            float[] out = new float[m * n];
            java.matmul(act, w, 0, n, out, n);
            BlockActivations ba = (BlockActivations) act;
            for (int r = 0; r < n; r++)
                for (int i = 0; i < m; i++)
                    assertEquals(Float.floatToRawIntBits(q8BlockOrder(q8, r, ba, i)), Float.floatToRawIntBits(out[i * n + r]),
                            type + " m " + m + " row " + r + " act " + i);
        }
    }

    /** libegemma's EGEMMA_Q8_0_ORDER_BLOCK as its header defines it: per 32-block acc = fma((float) isum, d_w * d_a, acc). */
    private static float q8BlockOrder(MemorySegment q8, int row, BlockActivations a, int i) {
        int k = a.cols(), nb = k / 32;
        long base = row * GgmlType.Q8_0.byteSize(k);
        float acc = 0f;
        for (int b = 0; b < nb; b++) {
            long o = base + 34L * b;
            int isum = 0;
            for (int j = 0; j < 32; j++) isum += q8.get(java.lang.foreign.ValueLayout.JAVA_BYTE, o + 2 + j) * a.q()[i * k + b * 32 + j];
            float dw = Float.float16ToFloat(q8.get(WeightRows.LE_SHORT, o));
            acc = Math.fma((float) isum, dw * a.d()[i * nb + b], acc);
        }
        return acc;
    }
}
