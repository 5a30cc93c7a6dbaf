package dev.egemma.kernels.ffm;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.egemma.kernels.KernelProvider;
import dev.egemma.kernels.Kernels;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * libegemma's attention against the Java kernels' (ggml's softmax emulated in both) on sequences around the 16-key
 * chunk boundaries, past the sliding window and with GQA, for every head.
 *
 * <p>Tolerance, derived: the only differences are the order of the q.k sums (both fused, 16 lanes, reduction trees
 * that may differ) and expf of the tail keys (each within an ulp or so of the exact value). A score then differs by at
 * most ds = 2 gamma(headDim) S_qk (S_qk = sum |q_d k_d|); the softmax weights move relatively by at most
 * 2 ds + 4u, and the output, a convex combination of v rows accumulated in key order, by at most
 * (2 ds + 4u + 2 gamma(tokens)) max|v|.
 */
class AttentionNativeParityTest {

    @ParameterizedTest(name = "tokens={0} window={1}")
    @CsvSource({"1,-1", "2,-1", "15,-1", "16,-1", "17,-1", "33,-1", "100,-1", "300,-1", "1,4", "17,4", "100,8", "300,64", "400,128"})
    void agreesWithTheJavaKernels(int tokens, int halfWindow) {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        Kernels java = KernelProvider.javaKernels();
        int nHead = 4, nHeadKv = 2, headDim = 64, headDimV = 48, rowOff = 3, rows = rowOff + tokens + 2;
        SplittableRandom r = new SplittableRandom(tokens * 31L + halfWindow);
        float[] q = rnd(r, rows * nHead * headDim, 0.3), k = rnd(r, rows * nHeadKv * headDim, 0.3), v = rnd(r, rows * nHeadKv * headDimV, 1);
        float[] want = new float[rows * nHead * headDimV], got = new float[want.length];
        for (int h = 0; h < nHead; h++) {
            java.attention(q, k, v, want, rowOff, tokens, nHead, nHeadKv, headDim, headDimV, h, halfWindow);
            b.attention(q, k, v, got, rowOff, tokens, nHead, nHeadKv, headDim, headDimV, h, halfWindow);
        }
        double sqk = 0, vmax = 0;
        for (int i = 0; i < rows; i++)
            for (int h = 0; h < nHead; h++)
                for (int j = 0; j < rows; j++) {
                    double s = 0;
                    int g = h / (nHead / nHeadKv);
                    for (int d = 0; d < headDim; d++) s += Math.abs(q[(i * nHead + h) * headDim + d] * k[(j * nHeadKv + g) * headDim + d]);
                    sqk = Math.max(sqk, s);
                }
        for (float x : v) vmax = Math.max(vmax, Math.abs(x));
        double u = Math.scalb(1.0, -24), ds = 2 * gamma(headDim) * sqk;
        double tol = (2 * ds + 4 * u + 2 * gamma(tokens)) * vmax;
        for (int i = 0; i < want.length; i++) {
            boolean inSeq = i / (nHead * headDimV) >= rowOff && i / (nHead * headDimV) < rowOff + tokens;
            if (!inSeq) assertTrue(got[i] == 0f, "wrote outside the sequence at " + i);
            else assertTrue(Math.abs(got[i] - want[i]) <= tol, "at " + i + ": " + got[i] + " vs " + want[i] + " (tol " + tol + ")");
        }
        assertThrows(IndexOutOfBoundsException.class,
                () -> b.attention(q, k, v, got, rowOff, tokens + 3, nHead, nHeadKv, headDim, headDimV, 0, halfWindow));
        assertThrows(IllegalArgumentException.class,
                () -> b.attention(q, k, v, got, rowOff, tokens, nHead, 3, headDim, headDimV, 0, halfWindow));
    }

    static double gamma(double j) {
        double u = Math.scalb(1.0, -24);
        return j * u / (1 - j * u);
    }

    static float[] rnd(SplittableRandom r, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * scale);
        return x;
    }
}
