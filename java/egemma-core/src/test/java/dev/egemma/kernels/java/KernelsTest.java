// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import dev.egemma.Q8Order;
import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.Activations;
import dev.egemma.kernels.KernelProvider;
import dev.egemma.kernels.Kernels;
import dev.egemma.kernels.RopeTable;
import dev.egemma.kernels.WeightMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Each Java kernel set against straightforward double-precision references, on awkward sizes. Float results
 * are compared with a bound of {@code 1e-5 * sum|terms|} (float accumulation over K terms errs by at most about
 * K * 2^-24 * sum|terms|; K <= 1000 here gives < 6e-5, and the observed errors are far smaller, so 1e-5 leaves
 * room for ordering while catching any wrong term, which is off by at least one whole term).
 */
class KernelsTest {
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static List<Kernels> kernels() {
        return List.of(new ScalarKernels(), KernelProvider.javaKernels(), new ScalarKernels(Q8Order.X86), KernelProvider.javaKernels(Q8Order.X86),
                new VectorKernels(Q8Order.X86, true));
    }

    static final int[] MS = {1, 2, 3, 5, 31, 33, 65};
    static final int[] NS = {1, 2, 3, 31, 33, 257};

    static float[] randoms(Random r, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * scale);
        return a;
    }

    /** A Q8_0 matrix of random blocks (scales random fp16, values over the full int8 range incl. -128). */
    static MemorySegment q8Matrix(Random r, int rows, int cols) {
        MemorySegment s = Arena.ofAuto().allocate((long) rows * cols / 32 * 34);
        for (long b = 0; b < (long) rows * cols / 32; b++) {
            s.set(LE_SHORT, b * 34, Float.floatToFloat16((float) (0.001 + r.nextDouble() * 0.05)));
            for (int j = 0; j < 32; j++) s.set(ValueLayout.JAVA_BYTE, b * 34 + 2 + j, (byte) (r.nextInt(256) - 128));
        }
        return s;
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void q8MatmulMatchesIntegerReference(Kernels k) {
        Random r = new Random(1);
        for (int kk : new int[] {32, 96, 288}) {
            for (int n : NS) {
                MemorySegment ws = q8Matrix(r, n, kk);
                WeightMatrix w = new WeightMatrix("w", GgmlType.Q8_0, n, kk, ws);
                for (int m : MS) {
                    float[] a = randoms(r, m * kk, 1f);
                    Activations prepared = k.prepare(a, m, kk, w);
                    float[] out = new float[m * n + 3];
                    // two tiles at an odd split point, as the forward pass splits weight rows over threads
                    int split = n / 2 | 1;
                    k.matmul(prepared, w, 0, Math.min(split, n), out, n);
                    if (split < n) k.matmul(prepared, w, split, n, out, n);
                    for (int i = 0; i < m; i++) {
                        for (int c = 0; c < n; c++) {
                            double ref = 0, mag = 0;
                            for (int b = 0; b < kk / 32; b++) {
                                float[] q = new float[32];
                                float d = quantizeBlockReference(a, i * kk + b * 32, q);
                                long blk = ((long) c * kk / 32 + b) * 34;
                                float dw = Float.float16ToFloat(ws.get(LE_SHORT, blk));
                                long isum = 0, iabs = 0;
                                for (int j = 0; j < 32; j++) {
                                    long p = (long) q[j] * ws.get(ValueLayout.JAVA_BYTE, blk + 2 + j);
                                    isum += p;
                                    iabs += Math.abs(p);
                                }
                                float scale = dw * d;
                                ref += (double) scale * isum;
                                // lanes are scaled before they are added (as in ggml): the bound is on sum|terms|
                                mag += Math.abs((double) scale) * iabs;
                            }
                            assertEquals(ref, out[i * n + c], 1e-5 * mag + 1e-30, "K=" + kk + " N=" + n + " M=" + m + " at " + i + "," + c);
                        }
                    }
                    assertEquals(0f, out[m * n], "no write past the output");
                }
            }
        }
    }

    @Test
    void vectorQ8InLlamaCppOrderIsBitIdenticalToScalar() {
        Random r = new Random(11);
        Kernels scalar = new ScalarKernels(Q8Order.X86), vector = new VectorKernels(Q8Order.X86, false);
        for (int kk : new int[] {32, 96, 288, 768}) {
            for (int n : new int[] {1, 2, 3, 5, 31, 33, 257}) {
                WeightMatrix w = new WeightMatrix("w", GgmlType.Q8_0, n, kk, q8Matrix(r, n, kk));
                for (int m : new int[] {1, 3, 4, 5, 33, 65, 130}) {
                    float[] a = randoms(r, m * kk, 2f);
                    float[] want = new float[m * n], got = new float[m * n];
                    scalar.matmul(scalar.prepare(a, m, kk, w), w, 0, n, want, n);
                    Activations p = vector.prepare(a, m, kk, w);
                    int split = Math.min(n, 16);   // tiles as the forward pass hands them out
                    vector.matmul(p, w, 0, split, got, n);
                    if (split < n) vector.matmul(p, w, split, n, got, n);
                    assertArrayEquals(want, got, "K=" + kk + " N=" + n + " M=" + m);
                }
            }
        }
    }

    /** ggml x86 quantize_row_q8_0 for one block, written from the spec: returns d, fills q. */
    static float quantizeBlockReference(float[] x, int off, float[] q) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[off + j]));
        float id = amax != 0 ? 127f / amax : 0f;
        for (int j = 0; j < 32; j++) q[j] = (float) Math.rint(x[off + j] * id);
        return Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
    }

    @Test
    void activationQuantizationRoundsHalfToEven() {
        float[] x = new float[32];
        x[0] = 127f;   // amax 127 -> id = 1 exactly
        x[1] = 2.5f;   // -> 2 (half to even), ggml's reference quantizer would give 3
        x[2] = 3.5f;   // -> 4
        x[3] = -2.5f;  // -> -2
        x[4] = 0.5f;   // -> 0
        Q8Rows q = Q8Rows.quantize(x, 1, 32);
        assertEquals(1f, q.d()[0]);
        assertArrayEquals(new float[] {127, 2, 4, -2, 0}, java.util.Arrays.copyOf(q.q(), 5));
        Q8Rows zero = Q8Rows.quantize(new float[32], 1, 32);
        assertEquals(0f, zero.d()[0]);
        for (float v : zero.q()) assertEquals(0f, v);
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void floatMatmulsMatchReference(Kernels k) {
        Random r = new Random(2);
        for (GgmlType t : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16}) {
            for (int kk : new int[] {1, 7, 16, 31, 33, 255, 257, 288}) {
                for (int n : new int[] {1, 3, 33}) {
                    float[] exact = new float[n * kk];
                    WeightMatrix w = floatMatrix(t, n, kk, randoms(r, n * kk, 1f), exact);
                    for (int m : new int[] {1, 3, 5}) {
                        float[] a = randoms(r, m * kk, 1f);
                        float[] out = new float[m * n];
                        k.matmul(k.prepare(a, m, kk, w), w, 0, n, out, n);
                        for (int i = 0; i < m; i++)
                            for (int c = 0; c < n; c++) {
                                double ref = 0, mag = 0;
                                for (int j = 0; j < kk; j++) {
                                    ref += (double) a[i * kk + j] * exact[c * kk + j];
                                    mag += Math.abs((double) a[i * kk + j] * exact[c * kk + j]);
                                }
                                assertEquals(ref, out[i * n + c], 1e-5 * mag, t + " K=" + kk + " N=" + n + " M=" + m);
                            }
                    }
                }
            }
        }
    }

    /**
     * {@code values} (n rows of kk, row-major) as a little-endian F32/F16/BF16 matrix (F16 rounded, BF16 truncated);
     * {@code exact[i]} receives the stored value of {@code values[i]} as a float.
     */
    static WeightMatrix floatMatrix(GgmlType t, int n, int kk, float[] values, float[] exact) {
        MemorySegment s = Arena.ofAuto().allocate((long) n * kk * (t == GgmlType.F32 ? 4 : 2));
        for (int i = 0; i < n * kk; i++) {
            switch (t) {
                case F32 -> { s.set(LE_FLOAT, 4L * i, values[i]); exact[i] = values[i]; }
                case F16 -> { short h = Float.floatToFloat16(values[i]); s.set(LE_SHORT, 2L * i, h); exact[i] = Float.float16ToFloat(h); }
                default -> { short h = (short) (Float.floatToRawIntBits(values[i]) >>> 16); s.set(LE_SHORT, 2L * i, h); exact[i] = Float.intBitsToFloat(h << 16); }
            }
        }
        return new WeightMatrix("w", t, n, kk, s);
    }

    /** Mixed-sign values, one in 8 scaled by {@code big} (within fp16 range for weights), one in 32 a signed zero. */
    static float[] wild(Random r, int n, float big) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            int kind = r.nextInt(32);
            a[i] = kind == 0 ? (r.nextBoolean() ? 0f : -0f) : (float) (r.nextGaussian() * (kind < 5 ? big : 1));
        }
        return a;
    }

    /**
     * VectorKernels' F32/F16/BF16 products give the scalar kernel's bits (tinyBLAS order for K % 16 == 0, vec_dot
     * otherwise): 4x2 tiles and their row and column remainders, more rows than one 64-row chunk, tiles starting at
     * odd weight rows, an output stride past the last column (left untouched).
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16"})
    void vectorFloatMatmulIsBitIdenticalToScalar(GgmlType t) {
        Random r = new Random(12);
        Kernels scalar = new ScalarKernels(), vector = new VectorKernels();
        for (int kk : new int[] {16, 32, 48, 768, 1152, 33, 100}) {
            for (int n : new int[] {1, 2, 3, 7, 33}) {
                WeightMatrix w = floatMatrix(t, n, kk, wild(r, n * kk, 3000f), new float[n * kk]);
                for (int m : MS) {
                    float[] a = wild(r, m * kk, 20000f);
                    int ld = n + 3;
                    float[] want = new float[m * ld], got = new float[m * ld];
                    java.util.Arrays.fill(want, -7f);
                    java.util.Arrays.fill(got, -7f);
                    scalar.matmul(scalar.prepare(a, m, kk, w), w, 0, n, want, ld);
                    Activations p = vector.prepare(a, m, kk, w);
                    // three tiles, [0,1), [1,n-1), [n-1,n) (the middle one empty for n <= 2), as threads split the rows
                    int mid = Math.max(1, n - 1);
                    vector.matmul(p, w, 0, 1, got, ld);
                    vector.matmul(p, w, 1, mid, got, ld);
                    vector.matmul(p, w, mid, n, got, ld);
                    for (int i = 0; i < want.length; i++)
                        assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                                t + " K=" + kk + " N=" + n + " M=" + m + " at " + i / ld + "," + i % ld + ": " + want[i] + " vs " + got[i]);
                }
            }
        }
    }

    @Test
    void tilesAreCheckedBeforeComputing() {
        Kernels k = KernelProvider.javaKernels();
        WeightMatrix w = new WeightMatrix("w", GgmlType.Q8_0, 4, 32, q8Matrix(new Random(3), 4, 32));
        Activations a = k.prepare(new float[64], 2, 32, w);
        assertThrows(IndexOutOfBoundsException.class, () -> k.matmul(a, w, 0, 5, new float[8], 4));
        assertThrows(IndexOutOfBoundsException.class, () -> k.matmul(a, w, 0, 4, new float[7], 4));
        assertThrows(IllegalArgumentException.class, () -> new WeightMatrix("short", GgmlType.Q8_0, 4, 32, Arena.ofAuto().allocate(34 * 3)));
        assertThrows(IllegalArgumentException.class, () -> new WeightMatrix("odd", GgmlType.Q8_0, 1, 33, Arena.ofAuto().allocate(68)));
        WeightMatrix f = new WeightMatrix("f", GgmlType.F32, 4, 32, Arena.ofAuto().allocate(4 * 32 * 4));
        assertThrows(IllegalArgumentException.class, () -> k.matmul(a, f, 0, 4, new float[8], 4), "Q8 activations used with F32 weights");
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void rmsNormUsesDoubleSum(Kernels k) {
        Random r = new Random(4);
        for (int n : new int[] {1, 31, 33, 257}) {
            float[] x = randoms(r, 3 * n, 3f), w = randoms(r, n, 1f), y = x.clone();
            k.rmsNorm(y, 0, 3, n, w, 1e-6f);
            for (int row = 0; row < 3; row++) {
                double s = 0;
                for (int j = 0; j < n; j++) s += (double) x[row * n + j] * x[row * n + j];
                double scale = 1 / Math.sqrt(s / n + 1e-6);
                for (int j = 0; j < n; j++) assertEquals(x[row * n + j] * scale * w[j], y[row * n + j], 1e-6 * Math.abs(x[row * n + j] * scale * w[j]) + 1e-7);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void geluGoesThroughTheFp16Table(Kernels k) {
        float[] x = {-20f, -10f, -9.99f, -1.5f, -0.0001f, 0f, 0.3f, 1f, 2.71828f, 9.99f, 10f, 25f};
        float[] up = new float[x.length];
        java.util.Arrays.fill(up, 2f);
        float[] g = x.clone();
        k.geluMul(g, up, x.length);
        for (int i = 0; i < x.length; i++) {
            float want;
            if (x[i] <= -10f) want = 0f;
            else if (x[i] >= 10f) want = x[i] * 2f;
            else {
                double h = Float.float16ToFloat(Float.floatToFloat16(x[i]));   // x rounded to fp16
                double gelu = 0.5 * h * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * h * (1 + 0.044715 * h * h)));
                want = Float.float16ToFloat(Float.floatToFloat16((float) gelu)) * 2f;  // table value is fp16
            }
            assertEquals(want, g[i], Math.ulp(want) * 2048 + 1e-12, "x=" + x[i]); // within one fp16 step
        }
        // fp16 rounding of x is visible: two floats rounding to the same fp16 give the same output
        float[] a = {1.0001f, 1.0002f}, u = {1f, 1f};
        k.geluMul(a, u, 2);
        assertEquals(a[0], a[1]);
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void ropeRotatesNeoxPairs(Kernels k) {
        int heads = 2, dim = 8, tokens = 40;
        float base = 10000f;
        float[][] cs = new RopeTable(base, dim).upTo(tokens);
        Random r = new Random(5);
        float[] x = randoms(r, tokens * heads * dim, 1f), y = x.clone();
        k.ropeNeox(y, 0, tokens, heads * dim, heads, dim, cs[0], cs[1], 0.5f);
        for (int t = 0; t < tokens; t++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < dim / 2; i++) {
                    double ang = t * Math.pow(base, -2.0 * i / dim);
                    int o = t * heads * dim + h * dim;
                    double x0 = x[o + i], x1 = x[o + i + dim / 2];
                    assertEquals(0.5 * (x0 * Math.cos(ang) - x1 * Math.sin(ang)), y[o + i], 2e-5);
                    assertEquals(0.5 * (x0 * Math.sin(ang) + x1 * Math.cos(ang)), y[o + i + dim / 2], 2e-5);
                }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void attentionMatchesFullSoftmax(Kernels k) {
        Random r = new Random(6);
        int nHead = 4, nHeadKv = 2;
        for (int hd : new int[] {1, 31, 32, 33}) {
            for (int tokens : new int[] {1, 7, 33, 257}) {
                for (int hw : new int[] {-1, 0, 4}) {
                    int off = 3; // the sequence starts at row 3 of the batch arrays
                    int rows = off + tokens;
                    float[] q = randoms(r, rows * nHead * hd, 1f), kk = randoms(r, rows * nHeadKv * hd, 1f), v = randoms(r, rows * nHeadKv * hd, 1f);
                    float[] out = new float[rows * nHead * hd];
                    for (int h = 0; h < nHead; h++) k.attention(q, kk, v, out, off, tokens, nHead, nHeadKv, hd, hd, h, hw);
                    for (int h = 0; h < nHead; h++) {
                        int g = h / (nHead / nHeadKv);
                        for (int i = 0; i < tokens; i++) {
                            double[] s = new double[tokens];
                            double max = Double.NEGATIVE_INFINITY;
                            for (int j = 0; j < tokens; j++) {
                                if (hw >= 0 && Math.abs(i - j) > hw) { s[j] = Double.NEGATIVE_INFINITY; continue; }
                                for (int d = 0; d < hd; d++) s[j] += (double) q[((off + i) * nHead + h) * hd + d] * kk[((off + j) * nHeadKv + g) * hd + d];
                                max = Math.max(max, s[j]);
                            }
                            double sum = 0;
                            for (int j = 0; j < tokens; j++) sum += s[j] = Math.exp(s[j] - max);
                            for (int d = 0; d < hd; d++) {
                                double o = 0;
                                for (int j = 0; j < tokens; j++) o += s[j] / sum * v[((off + j) * nHeadKv + g) * hd + d];
                                assertEquals(o, out[((off + i) * nHead + h) * hd + d], 2e-5, "hd=" + hd + " T=" + tokens + " hw=" + hw + " head " + h + " q " + i);
                            }
                        }
                    }
                    for (int j = 0; j < off * nHead * hd; j++) assertEquals(0f, out[j], "rows of other sequences untouched");
                }
            }
        }
    }

    /** The Vector API attention does the scalar kernel's float operations: same bits (64-key chunks, tails, windows, GQA). */
    @Test
    void vectorAttentionEqualsScalarBitForBit() {
        Random r = new Random(8);
        Kernels scalar = new ScalarKernels(), vector = new VectorKernels();
        int nHead = 4, nHeadKv = 2;
        for (int hd : new int[] {8, 33, 64, 100, 256})
            for (int tokens : new int[] {1, 15, 16, 17, 63, 64, 65, 130})
                for (int hw : new int[] {-1, 0, 5, 40}) {
                    int off = 2, rows = off + tokens + 1;
                    float[] q = randoms(r, rows * nHead * hd, 0.7f), kk = randoms(r, rows * nHeadKv * hd, 0.7f), v = randoms(r, rows * nHeadKv * hd, 1f);
                    float[] want = new float[rows * nHead * hd], got = new float[want.length];
                    for (int h = 0; h < nHead; h++) {
                        scalar.attention(q, kk, v, want, off, tokens, nHead, nHeadKv, hd, hd, h, hw);
                        vector.attention(q, kk, v, got, off, tokens, nHead, nHeadKv, hd, hd, h, hw);
                    }
                    for (int i = 0; i < want.length; i++)
                        assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), "hd=" + hd + " T=" + tokens + " hw=" + hw + " element " + i);
                }
    }

    @Test
    void ggmlExpIsCloseToExp() {
        for (float x = -100f; x <= 0f; x += 0.0137f) {
            double e = Math.exp(x);
            assertEquals(e, GgmlExp.vexpf(x), 3 * Math.ulp((float) e) + Float.MIN_NORMAL, "x=" + x);
        }
        assertEquals(0f, GgmlExp.vexpf(Float.NEGATIVE_INFINITY));
        assertEquals(1f, GgmlExp.vexpf(0f));
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void poolingAndL2Norm(Kernels k) {
        Random r = new Random(7);
        float[] x = randoms(r, 10 * 33, 1f);
        float[] out = new float[2 * 33];
        k.meanPool(x, 3, 5, 33, out, 33);
        for (int j = 0; j < 33; j++) {
            double s = 0;
            for (int t = 3; t < 8; t++) s += x[t * 33 + j];
            assertEquals(s / 5, out[33 + j], 1e-6);
            assertEquals(0f, out[j]);
        }
        float[] v = randoms(r, 257, 4f), n = v.clone();
        k.l2Normalize(n, 0, 257);
        double s = 0;
        for (float f : v) s += (double) f * f;
        float inv = (float) (1 / Math.sqrt(s));
        for (int i = 0; i < 257; i++) assertEquals(v[i] * inv, n[i]);
        float[] z = new float[4];
        k.l2Normalize(z, 0, 4);
        for (float f : z) assertEquals(0f, f);
    }
}
