// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.Kernels;
import dev.egemma.kernels.ffm.EgemmaBinding;
import dev.egemma.kernels.ffm.NativeTestSupport;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * libegemma's activation quantizers for the super-block types (egemma_q8_k_quantize) and Q4_1/Q5_1's sums
 * (egemma_q8_1_sums) equal the Java reference ({@link BlockActivations}: ggml's quantize_row_q8_K_ref and x86
 * quantize_row_q8_1) bit for bit, on ordinary rows and on the edges: all-zero blocks, a single non-zero value, the
 * largest magnitude negative or repeated, values so small that {@code 127/amax} overflows to infinity (subnormals),
 * values near the float range's top, a wide spread of exponents in one block, NaN and infinities.
 */
class NativeActivationQuantizerTest {

    private static float[] rows(int m, int k, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[m * k];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * Math.scalb(1.0, r.nextInt(9) - 4));
        int blocks = x.length / 256;
        for (int b = 0; b < blocks; b++) {
            int o = b * 256;
            switch (b % 8) {
                case 0 -> java.util.Arrays.fill(x, o, o + 256, 0f);
                case 1 -> { java.util.Arrays.fill(x, o, o + 256, 0f); x[o + 77] = -3.25f; }
                case 2 -> { x[o + 3] = -1e4f; x[o + 200] = 1e4f; } // the first of two equal magnitudes is the max
                case 3 -> { for (int j = 0; j < 256; j++) x[o + j] = (float) (r.nextGaussian() * 1e-40); } // subnormal: 127/amax is infinite
                case 4 -> { for (int j = 0; j < 256; j++) x[o + j] = (float) (r.nextGaussian() * 1e37); }
                case 5 -> { for (int j = 0; j < 256; j++) x[o + j] = (float) (r.nextGaussian() * Math.scalb(1.0, r.nextInt(60) - 30)); }
                case 6 -> x[o + 17] = Float.NaN;
                default -> { x[o + 3] = Float.POSITIVE_INFINITY; x[o + 100] = Float.NEGATIVE_INFINITY; }
            }
        }
        return x;
    }

    @Test
    void q8KQuantizerIsTheJavaOne() {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        for (int k : new int[] {256, 768, 3072}) {
            int m = 13;
            float[] x = rows(m, k, k);
            BlockActivations want = BlockActivations.quantize(x, m, k, GgmlType.Q8_K, null, Kernels.SERIAL, 0);
            byte[] q = new byte[m * k];
            float[] d = new float[m * (k / 256)];
            short[] bs = new short[m * (k / 16)];
            b.q8_kQuantize(MemorySegment.ofArray(x), k, 0, m, MemorySegment.ofArray(q), MemorySegment.ofArray(d), MemorySegment.ofArray(bs));
            assertArrayEquals(java.util.Arrays.copyOf(want.q(), m * k), q, "quants, k " + k);
            for (int i = 0; i < d.length; i++) assertEquals(Float.floatToRawIntBits(want.d()[i]), Float.floatToRawIntBits(d[i]), "d of block " + i);
            for (int i = 0; i < bs.length; i++) assertEquals(want.bsums()[i], bs[i], "sum of 16 #" + i);
        }
    }

    @Test
    void q8_1SumsAreTheJavaOnes() {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        for (int k : new int[] {32, 96, 768}) {
            int m = 9;
            float[] x = rows(m, Math.max(k, 256), k);
            x = java.util.Arrays.copyOf(x, m * k);
            BlockActivations want = BlockActivations.quantize(x, m, k, GgmlType.Q8_1, null, Kernels.SERIAL, 0);
            float[] sa = new float[m * (k / 32)];
            b.q8_1Sums(MemorySegment.ofArray(x), k, 0, m, MemorySegment.ofArray(sa));
            for (int i = 0; i < sa.length; i++) assertEquals(Float.floatToRawIntBits(want.s()[i]), Float.floatToRawIntBits(sa[i]), "s of block " + i + ", k " + k);
        }
    }
}
