// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.Activations;
import dev.egemma.kernels.WeightMatrix;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The block order on the Vector API ({@link VectorKernels}, i.e. {@link VectorBlockDot}) against the scalar reference
 * ({@link ScalarKernels}, i.e. {@link BlockDot}), bit for bit, through the public prepare + matmul on a
 * {@link WeightMatrix}: 1, 31, 33, 255 and 257 activation rows; k = 256, 512, 768, 1152 (32-wide types only) and 3072;
 * 11 weight rows of random bytes with sane fp16 scales (more than one group of weight rows the Vector API kernel unpacks
 * together, the last one partial), computed whole and as the tile [3, 10), which must give the same bits.
 */
class BlockDotShapesTest {
    private static final int[] M = {1, 31, 33, 255, 257};
    private static final int[] K = {256, 512, 768, 1152, 3072};
    private static final int N = 11;

    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_XS"})
    void vectorEqualsScalarBitForBit(String name) {
        Assumptions.assumeTrue(VectorKernels.isUsable(), "Vector API not usable here");
        Assumptions.assumeTrue(VectorBlockDot.usable(), "VectorBlockDot not usable with this preferred species");
        GgmlType type = GgmlType.valueOf(name);
        ScalarKernels scalar = new ScalarKernels();
        VectorKernels vector = new VectorKernels();
        SplittableRandom rnd = new SplittableRandom(type.id);
        int checked = 0;
        for (int k : K) {
            if (k % type.blockSize != 0) continue;
            byte[] bytes = new byte[(int) type.byteSize(k) * N];
            rnd.nextBytes(bytes);
            int[] halves = type.halfScaleOffsets();
            for (int at = 0; at < bytes.length; at += type.typeSize)
                for (int h : halves) {
                    short v = Float.floatToFloat16((float) ((rnd.nextBoolean() ? 1 : -1) * Math.scalb(1 + rnd.nextDouble(), -3 - rnd.nextInt(10))));
                    bytes[at + h] = (byte) v;
                    bytes[at + h + 1] = (byte) (v >> 8);
                }
            WeightMatrix w = new WeightMatrix("w", type, N, k, MemorySegment.ofArray(bytes));
            for (int m : M) {
                float[] a = new float[m * k];
                for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextGaussian() * Math.scalb(1.0, (i / 32) % 9 - 4));
                if (m > 1) java.util.Arrays.fill(a, k, k + Math.min(k, 64), 0f); // a zero block or two in row 1
                float[] outS = new float[m * N], outV = new float[m * N];
                Activations as = scalar.prepare(a, m, k, w), av = vector.prepare(a, m, k, w);
                scalar.matmul(as, w, 0, N, outS, N);
                vector.matmul(av, w, 0, N, outV, N);
                float[] tile = new float[m * N];
                vector.matmul(av, w, 3, 10, tile, N);
                for (int i = 0; i < m; i++)
                    for (int n = 3; n < 10; n++)
                        assertEquals(Float.floatToRawIntBits(outV[i * N + n]), Float.floatToRawIntBits(tile[i * N + n]), type + " k " + k + " m " + m + " tile [3, 10) at " + i + "," + n);
                for (int i = 0; i < m * N; i++)
                    assertEquals(Float.floatToRawIntBits(outS[i]), Float.floatToRawIntBits(outV[i]),
                            type + " k " + k + " m " + m + " out[" + i + "]: scalar " + outS[i] + " vector " + outV[i]);
                // and the scalar matmul is BlockDot.dot itself
                BlockFormat f = BlockFormat.of(type);
                BlockFormat.Unpacked u = new BlockFormat.Unpacked();
                u.row(f, w.data(), w.rowBytes(), N - 1, k);
                assertEquals(Float.floatToRawIntBits(BlockDot.dot(f, u, (BlockActivations) as, m - 1)), Float.floatToRawIntBits(outS[(m - 1) * N + N - 1]));
                checked += m * N;
            }
        }
        assertEquals(true, checked > 0);
    }

    /** Byte offsets of a block's fp16 scales (d, and dmin or m). */
    /**
     * The blocks whose integer dots are largest: Q6_K with every scale -128 and every quant -32 (ql and qh all zero),
     * IQ4_XS with every 6-bit scale 0 (-32) and every index 0 (-127), against activations that quantize to 127 in every
     * element: 32 * 4,096 * 127 per 8-lane partial sum, the bound the Vector API kernel's float lanes must hold exactly.
     */
    @ParameterizedTest
    @ValueSource(strings = {"Q6_K", "IQ4_XS"})
    void extremeBlocksStayExact(String name) {
        Assumptions.assumeTrue(VectorKernels.isUsable() && VectorBlockDot.usable(), "Vector API kernels not usable here");
        GgmlType type = GgmlType.valueOf(name);
        int k = 768, n = 2, m = 5;
        byte[] bytes = new byte[(int) type.byteSize(k) * n];
        for (int at = 0; at < bytes.length; at += type.typeSize) {
            if (type == GgmlType.Q6_K) java.util.Arrays.fill(bytes, at + 192, at + 208, (byte) -128);
            short d = Float.floatToFloat16(0.5f);
            int dAt = at + type.halfScaleOffsets()[0];
            bytes[dAt] = (byte) d;
            bytes[dAt + 1] = (byte) (d >> 8);
        }
        WeightMatrix w = new WeightMatrix("w", type, n, k, MemorySegment.ofArray(bytes));
        float[] a = new float[m * k];
        java.util.Arrays.fill(a, 3.25f);
        float[] outS = new float[m * n], outV = new float[m * n];
        ScalarKernels scalar = new ScalarKernels();
        VectorKernels vector = new VectorKernels();
        scalar.matmul(scalar.prepare(a, m, k, w), w, 0, n, outS, n);
        vector.matmul(vector.prepare(a, m, k, w), w, 0, n, outV, n);
        // the exact value: per block isum = 256 * (sc*q) * (-127) (Q8_K's quants of a positive max are -127), d_a = 3.25 / -127
        int scq = type == GgmlType.Q6_K ? -128 * -32 : -32 * -127;
        float expectedBlock = (float) (256L * scq * -127) * (0.5f * (1f / (-127f / 3.25f)));
        float expected = 0f;
        for (int b = 0; b < k / 256; b++) expected = Math.fma((float) (256L * scq * -127), 0.5f * (1f / (-127f / 3.25f)), expected);
        for (int i = 0; i < m * n; i++) {
            assertEquals(Float.floatToRawIntBits(outS[i]), Float.floatToRawIntBits(outV[i]), type + " out[" + i + "]");
            assertEquals(expected, outS[i], type + " out[" + i + "] (one block: " + expectedBlock + ")");
        }
    }

}
