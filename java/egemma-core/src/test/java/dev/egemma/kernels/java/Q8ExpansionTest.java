// SPDX-License-Identifier: Apache-2.0
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
 * {@link Q8Expansion}: exactly the 32-wide types expand (Q4_0, Q5_0, IQ4_NL, and Q4_1, Q5_1 with a min term); the expansion
 * holds the same values (ggml's Q8_0 dequantization of it equals ggml's dequantization of the original, bit for bit;
 * for Q4_1/Q5_1 once the min is added); and the block-order product of the original type equals the Q8_0 block-order
 * product of the expansion (plus the min term {@code fma(m_w, s_a)} chain for Q4_1/Q5_1) ({@link BlockDot} on Q8_0 blocks, the formula
 * libegemma's Q8_0 GEMM computes in its block order), on awkward row counts and an odd number of blocks.
 */
class Q8ExpansionTest {

    @Test
    void exactlyTheThirtyTwoWideTypesWithoutScalesOrMinsExpand() {
        EnumSet<GgmlType> expanding = EnumSet.noneOf(GgmlType.class);
        for (GgmlType t : GgmlType.values()) if (Q8Expansion.expands(t)) expanding.add(t);
        assertEquals(EnumSet.of(GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL), expanding);
        EnumSet<GgmlType> withMin = EnumSet.noneOf(GgmlType.class);
        for (GgmlType t : GgmlType.values()) if (Q8Expansion.hasMinTerm(t)) withMin.add(t);
        assertEquals(EnumSet.of(GgmlType.Q4_1, GgmlType.Q5_1), withMin);
        WeightMatrix q4k = new WeightMatrix("w", GgmlType.Q4_K, 1, 256, MemorySegment.ofArray(new byte[144]));
        assertThrows(IllegalArgumentException.class, () -> Q8Expansion.expand(q4k, 0, 1, MemorySegment.ofArray(new byte[272])));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Q4_0", "Q5_0", "IQ4_NL", "Q4_1", "Q5_1"})
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
            if (Q8Expansion.hasMinTerm(type)) { // a finite min too
                short mn = Float.floatToFloat16((float) (rnd.nextGaussian() * Math.scalb(1.0, -10)));
                bytes[at + 2] = (byte) mn;
                bytes[at + 3] = (byte) (mn >> 8);
            }
        }
        WeightMatrix w = new WeightMatrix("w", type, n, k, MemorySegment.ofArray(bytes));
        boolean min = Q8Expansion.hasMinTerm(type);
        float[] mins = min ? new float[n * (k / 32)] : null;
        MemorySegment q8 = MemorySegment.ofArray(new byte[(int) Q8Expansion.expandedBytes(w)]);
        Q8Expansion.expand(w, 0, n, q8, mins);
        float[] original = new float[n * k], expanded = new float[n * k];
        Dequantizer.dequantize("original", type, w.data(), 0, original, 0, n * k);
        Dequantizer.dequantize("expanded", GgmlType.Q8_0, q8, 0, expanded, 0, n * k);
        if (min) // ggml's dequantize_row_q4_1/q5_1: x = q * d + m
            for (int e = 0; e < n * k; e++) expanded[e] = expanded[e] + mins[e / 32];
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
                    assertEquals(Float.floatToRawIntBits(q8BlockOrder(q8, r, ba, i) + (min ? minTerm(mins, r, ba, i) : 0f)),
                            Float.floatToRawIntBits(out[i * n + r]),
                            type + " m " + m + " row " + r + " act " + i);
        }
    }

    /** egemma_add_min_term as libegemma's header defines it: accMin = fma(m_w, s_a, accMin) per block, from 0. */
    private static float minTerm(float[] mins, int row, BlockActivations a, int i) {
        int nb = a.cols() / 32;
        float accMin = 0f;
        for (int b = 0; b < nb; b++) accMin = Math.fma(mins[row * nb + b], a.s()[i * nb + b], accMin);
        return accMin;
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
