// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.egemma.Q8Order;
import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.Activations;
import dev.egemma.kernels.WeightMatrix;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Java kernels' Q8_0 products in the block order (the default), and those of the other types with Q8_0 activations
 * (Q4_0, Q5_0, IQ4_NL: the same kernel, {@link VectorQ8BlockDot}), on awkward sizes: the Vector API kernels equal the
 * scalar ones ({@link BlockDot}) bit for bit, and the scalar ones equal {@link BlockDot#dot} itself, for every row count
 * around the kernel's group widths (1 to 8 rows in groups of 4, more in groups of the vector's lanes) and row lengths
 * from one block up, the weights as one tile and as two.
 */
class Q8BlockOrderTest {
    private static final int[] K = {32, 64, 96, 160, 800, 1152};
    private static final int[] M = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65};
    private static final int[] N = {1, 3, 5, 17, 33};

    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q4_0", "Q5_0", "IQ4_NL"})
    void vectorEqualsScalarEqualsBlockDot(String name) {
        Assumptions.assumeTrue(VectorKernels.isUsable() && VectorQ8BlockDot.usable(), "Vector API kernels not usable here");
        GgmlType type = GgmlType.valueOf(name);
        ScalarKernels scalar = new ScalarKernels();
        VectorKernels vector = new VectorKernels();
        assertEquals(Q8Order.BLOCK, scalar.q8Order(), "the default");
        assertEquals(Q8Order.BLOCK, vector.q8Order(), "the default");
        BlockFormat f = BlockFormat.of(type);
        BlockFormat.Unpacked u = new BlockFormat.Unpacked();
        SplittableRandom rnd = new SplittableRandom(type.id);
        int checked = 0;
        for (int k : K) {
            for (int n : N) {
                WeightMatrix w = weights(type, n, k, rnd);
                for (int m : M) {
                    float[] a = new float[m * k];
                    for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextGaussian() * Math.scalb(1.0, (i / 32) % 9 - 4));
                    if (m > 1) java.util.Arrays.fill(a, k, k + 32, 0f); // a zero block in row 1
                    Activations as = scalar.prepare(a, m, k, w), av = vector.prepare(a, m, k, w);
                    float[] outS = new float[m * n], outV = new float[m * n];
                    scalar.matmul(as, w, 0, n, outS, n);
                    int split = n / 2;
                    vector.matmul(av, w, 0, split, outV, n);
                    vector.matmul(av, w, split, n, outV, n);
                    for (int c = 0; c < n; c++) {
                        u.row(f, w.data(), w.rowBytes(), c, k);
                        for (int i = 0; i < m; i++) {
                            String where = type + " k " + k + " n " + n + " m " + m + " at (" + i + "," + c + ")";
                            float want = BlockDot.dot(f, u, (BlockActivations) as, i);
                            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(outS[i * n + c]), where + ": scalar kernels vs BlockDot.dot");
                            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(outV[i * n + c]),
                                    where + ": vector " + outV[i * n + c] + " vs " + want);
                            checked++;
                        }
                    }
                }
            }
        }
        assertTrue(checked > 0);
    }

    /** {@code n} rows of {@code k} random blocks of {@code type}, with sane fp16 scales (either sign, 2^-13 .. 2^-2). */
    static WeightMatrix weights(GgmlType type, int n, int k, SplittableRandom rnd) {
        byte[] bytes = new byte[(int) type.byteSize(k) * n];
        rnd.nextBytes(bytes);
        for (int at = 0; at < bytes.length; at += type.typeSize) {
            short v = Float.floatToFloat16((float) ((rnd.nextBoolean() ? 1 : -1) * Math.scalb(1 + rnd.nextDouble(), -3 - rnd.nextInt(10))));
            bytes[at] = (byte) v;
            bytes[at + 1] = (byte) (v >> 8);
        }
        return new WeightMatrix("w", type, n, k, MemorySegment.ofArray(bytes));
    }
}
