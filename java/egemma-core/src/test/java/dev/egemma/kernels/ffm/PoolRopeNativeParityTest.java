// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.egemma.kernels.KernelProvider;
import dev.egemma.kernels.Kernels;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * libegemma's NEOX RoPE, mean pooling and L2 norm against the Java kernels, bit for bit: token counts around the
 * 64-token chunks of ggml_vec_dot_f32 (pooling), head sizes 64 and 256 with and without a scale (RoPE), widths
 * that are not multiples of the C code's 64-column blocks.
 */
class PoolRopeNativeParityTest {

    @ParameterizedTest(name = "tokens={0}")
    @ValueSource(ints = {1, 2, 15, 16, 17, 31, 33, 63, 64, 65, 127, 128, 129, 255, 257, 1000})
    void meanPoolEqualsJava(int tokens) {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        Kernels java = KernelProvider.javaKernels();
        SplittableRandom r = new SplittableRandom(tokens);
        for (int n : new int[] {1, 70, 768}) {
            int rowOff = 2;
            float[] x = rnd(r, (rowOff + tokens + 1) * n, 3);
            float[] want = new float[n + 5], got = new float[n + 5];
            java.meanPool(x, rowOff, tokens, n, want, 4);
            b.meanPool(x, rowOff, tokens, n, got, 4);
            assertArrayEquals(want, got, 0f, "n=" + n);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> b.meanPool(new float[10], 0, tokens + 10, 1, new float[1], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> b.meanPool(new float[100 * tokens], 0, tokens, 4, new float[4], 1));
    }

    @ParameterizedTest(name = "tokens={0}")
    @ValueSource(ints = {1, 2, 17, 65, 257})
    void ropeEqualsJava(int tokens) {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        Kernels java = KernelProvider.javaKernels();
        SplittableRandom r = new SplittableRandom(100 + tokens);
        for (int headDim : new int[] {64, 256})
            for (int heads : new int[] {1, 3})
                for (float scale : new float[] {1f, 0.0625f, 0.37f}) {
                    int rowOff = 1, stride = heads * headDim + 8, half = headDim / 2;
                    float[] x = rnd(r, (rowOff + tokens + 1) * stride, 2);
                    float[] cos = new float[tokens * half], sin = new float[tokens * half];
                    for (int t = 0; t < tokens; t++)
                        for (int i = 0; i < half; i++) {
                            double a = t * Math.pow(10000, -2.0 * i / headDim);
                            cos[t * half + i] = (float) Math.cos(a);
                            sin[t * half + i] = (float) Math.sin(a);
                        }
                    float[] want = x.clone(), got = x.clone();
                    java.ropeNeox(want, rowOff, tokens, stride, heads, headDim, cos, sin, scale);
                    b.ropeNeox(got, rowOff, tokens, stride, heads, headDim, cos, sin, scale);
                    assertArrayEquals(want, got, 0f, "headDim=" + headDim + " heads=" + heads + " scale=" + scale);
                }
        float[] cos = new float[tokens * 32];
        assertThrows(IllegalArgumentException.class, () -> b.ropeNeox(new float[64 * (tokens + 1)], 0, tokens + 1, 64, 1, 64, cos, cos, 1f));
        assertThrows(IndexOutOfBoundsException.class, () -> b.ropeNeox(new float[64 * tokens], 1, tokens, 64, 1, 64, cos, cos, 1f));
        assertThrows(IllegalArgumentException.class, () -> b.ropeNeox(new float[128 * tokens], 0, tokens, 64, 2, 64, cos, cos, 1f));
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 7, 128, 768})
    void l2NormalizeEqualsJava(int n) {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        Kernels java = KernelProvider.javaKernels();
        SplittableRandom r = new SplittableRandom(200 + n);
        for (double scale : new double[] {1e-20, 1, 1e15}) {
            float[] x = rnd(r, n + 6, scale);
            float[] want = x.clone(), got = x.clone();
            java.l2Normalize(want, 3, n);
            b.l2Normalize(got, 3, n);
            assertArrayEquals(want, got, 0f, "scale=" + scale);
        }
        float[] zeros = new float[n];
        b.l2Normalize(zeros, 0, n);
        assertArrayEquals(new float[n], zeros, 0f);
        assertThrows(IndexOutOfBoundsException.class, () -> b.l2Normalize(new float[n], 1, n));
    }

    static float[] rnd(SplittableRandom r, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * scale);
        return x;
    }
}
