// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.egemma.kernels.java.ScalarKernels;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * libegemma's row operations against the Java scalar kernels, bit for bit: RMSNorm (double sum in index order, the
 * same float rounding steps; rows interleaved four at a time must not change a bit) and GELU * up through the same
 * fp16 table (every fp16 input, the +-10 cut-offs, values between fp16 steps).
 */
class RowOpsNativeParityTest {

    @AfterAll
    static void restoreBestTier() {
        NativeTestSupport.restoreBestTier();
    }

    @ParameterizedTest
    @MethodSource("dev.egemma.kernels.ffm.NativeTestSupport#tiers")
    void rmsNormEqualsJava(Isa tier) {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        assertEquals(tier, b.setIsaLimit(tier));
        ScalarKernels ref = new ScalarKernels();
        SplittableRandom r = new SplittableRandom(3);
        for (int n : new int[] {1, 7, 33, 64, 100, 256, 257, 768, 1152}) {
            for (int rows : new int[] {1, 2, 3, 4, 5, 8, 9, 15, 16, 17, 24, 33}) {
                int off = r.nextInt(5);
                float[] x = new float[off + rows * n + 3], w = new float[n];
                for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * Math.scalb(1.0, r.nextInt(20) - 10));
                for (int i = 0; i < n; i++) w[i] = (float) r.nextGaussian();
                float[] want = x.clone(), got = x.clone();
                ref.rmsNorm(want, off, rows, n, w, 1e-6f);
                b.rmsNorm(got, off, rows, n, w, 1e-6f);
                assertArrayEquals(want, got, 0f, "rows=" + rows + " n=" + n + " off=" + off);
            }
        }
        float[] x = new float[10];
        assertThrows(IndexOutOfBoundsException.class, () -> b.rmsNorm(x, 3, 2, 4, new float[4], 1e-6f));
        assertThrows(IllegalArgumentException.class, () -> b.rmsNorm(x, 0, 2, 4, new float[3], 1e-6f));
    }

    @ParameterizedTest
    @MethodSource("dev.egemma.kernels.ffm.NativeTestSupport#tiers")
    void geluMulEqualsJava(Isa tier) {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        assertEquals(tier, b.setIsaLimit(tier));
        NativeKernels nk = new NativeKernels(b, new ScalarKernels());
        ScalarKernels ref = new ScalarKernels();
        SplittableRandom r = new SplittableRandom(4);
        int n = 65536 + 2000 + 7; // a tail past the last 16 lanes
        float[] gate = new float[n], up = new float[n];
        for (int i = 0; i < 65536; i++) gate[i] = Float.float16ToFloat((short) i);
        for (int i = 65536; i < n; i++) gate[i] = (float) r.nextDouble(-12, 12); // between fp16 steps, beyond +-10
        gate[65536] = -10f;
        gate[65537] = 10f;
        gate[65538] = Math.nextDown(10f);
        for (int i = 0; i < n; i++) up[i] = (float) r.nextGaussian();
        float[] want = gate.clone(), got = gate.clone();
        ref.geluMul(want, up, n);
        nk.geluMul(got, up, n);
        assertArrayEquals(want, got, 0f);
        assertThrows(IndexOutOfBoundsException.class, () -> nk.geluMul(new float[3], new float[2], 3));
    }
}
