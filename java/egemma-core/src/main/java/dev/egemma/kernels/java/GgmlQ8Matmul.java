package dev.egemma.kernels.java;

import dev.egemma.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q8_0 x Q8_0 matrix products in exactly the floating-point order of llama.cpp's x86 CPU backend, so that
 * results are bit-identical to it (and a flipped Q8_0 rounding of a later activation cannot amplify a last-ulp
 * difference into a 1e-3 difference of the embedding).
 *
 * <p>llama.cpp multiplies Q8_0 weights with llamafile's tinyBLAS ({@code tinyBLAS_Q0_AVX}): every output owns
 * eight float lanes; lane {@code l} of block {@code b} is the exact integer sum of bytes {@code 4l..4l+3} of the
 * block's products ({@code updot}), and it is accumulated as {@code acc_l = fma(d_w * d_a, lane_l, acc_l)}
 * block after block. The eight lanes are then summed as {@code ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7))}
 * ({@code hsum} of a {@code __m256}). Products of int8 values and sums of four of them are small integers,
 * exact in float, so the order inside a lane does not matter; the order of the float operations does.
 */
public final class GgmlQ8Matmul {
    private GgmlQ8Matmul() {}

    static final int QK = 32;
    static final int LANES = 8;
    private static final long BLOCK_BYTES = GgmlType.Q8_0.typeSize;
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The eight lanes summed as {@code hsum(__m256)} does. */
    static float hsum8(float l0, float l1, float l2, float l3, float l4, float l5, float l6, float l7) {
        return ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7));
    }

    /** Scalar reference: {@code out[i*ldOut + n] = row i of a . weight row n} for {@code n0 <= n < n1}. */
    static void scalar(Q8Rows a, MemorySegment w, int n0, int n1, float[] out, int ldOut) {
        int k = a.cols(), nb = k / QK;
        long rowBytes = nb * BLOCK_BYTES;
        float[] q = a.q(), d = a.d();
        float[] lane = new float[LANES];
        for (int n = n0; n < n1; n++) {
            long base = n * rowBytes;
            for (int i = 0; i < a.rows(); i++) {
                java.util.Arrays.fill(lane, 0f);
                for (int b = 0; b < nb; b++) {
                    long o = base + b * BLOCK_BYTES;
                    float sc = Float.float16ToFloat(w.get(LE_SHORT, o)) * d[i * nb + b];
                    int ao = i * k + b * QK;
                    for (int l = 0; l < LANES; l++) {
                        int s = 0;
                        for (int j = 4 * l; j < 4 * l + 4; j++) s += (int) q[ao + j] * w.get(ValueLayout.JAVA_BYTE, o + 2 + j);
                        lane[l] = Math.fma(sc, (float) s, lane[l]);
                    }
                }
                out[i * ldOut + n] = hsum8(lane[0], lane[1], lane[2], lane[3], lane[4], lane[5], lane[6], lane[7]);
            }
        }
    }

    /**
     * Vector API version with the same float operations per lane as {@link #scalar}. Each vector holds
     * {@code P = length/8} outputs' eight lanes side by side. Within a block the 32 values are regrouped
     * "i-major" ({@code [i][lane]}, value {@code 4*lane + i}) so that four multiply-adds of whole vectors
     * give every lane's sum of four products; activations are regrouped the same way and repeated P times.
     */
    static final class Vector {
        private final VectorSpecies<Float> f;
        private final int p;

        Vector(VectorSpecies<Float> species) {
            if (species.length() % LANES != 0) throw new IllegalArgumentException("species " + species + " is not a multiple of 8 lanes");
            this.f = species;
            this.p = species.length() / LANES;
        }

        int outputsPerVector() {
            return p;
        }

        /** Activations regrouped: [row][block][i][p copies][lane]. */
        float[] regroupActivations(Q8Rows a) {
            int k = a.cols(), nb = k / QK, vl = f.length();
            float[] q = a.q();
            float[] r = new float[a.rows() * nb * 4 * vl];
            for (int i = 0; i < a.rows(); i++)
                for (int b = 0; b < nb; b++) {
                    int src = i * k + b * QK, dst = (i * nb + b) * 4 * vl;
                    for (int ii = 0; ii < 4; ii++)
                        for (int c = 0; c < p; c++)
                            for (int l = 0; l < LANES; l++) r[dst + ii * vl + c * LANES + l] = q[src + 4 * l + ii];
                }
            return r;
        }

        /** Weight rows n..n+p-1 (missing rows zero) regrouped: wq [block][i][col][lane], ws [block][col][lane] = d. */
        void regroupWeights(MemorySegment w, long rowBytes, int nb, int n, int nEnd, float[] wq, float[] ws) {
            int vl = f.length();
            for (int c = 0; c < p; c++) {
                int row = n + c;
                for (int b = 0; b < nb; b++) {
                    if (row >= nEnd) {
                        for (int ii = 0; ii < 4; ii++) for (int l = 0; l < LANES; l++) wq[(b * 4 + ii) * vl + c * LANES + l] = 0f;
                        for (int l = 0; l < LANES; l++) ws[b * vl + c * LANES + l] = 0f;
                        continue;
                    }
                    long o = row * rowBytes + b * BLOCK_BYTES;
                    float dw = Float.float16ToFloat(w.get(LE_SHORT, o));
                    for (int l = 0; l < LANES; l++) ws[b * vl + c * LANES + l] = dw;
                    for (int ii = 0; ii < 4; ii++)
                        for (int l = 0; l < LANES; l++)
                            wq[(b * 4 + ii) * vl + c * LANES + l] = w.get(ValueLayout.JAVA_BYTE, o + 2 + 4 * l + ii);
                }
            }
        }

        /** Same contract as {@link GgmlQ8Matmul#scalar}; {@code ra} from {@link #regroupActivations}. */
        void matmul(Q8Rows a, float[] ra, MemorySegment w, int n0, int n1, float[] out, int ldOut) {
            int k = a.cols(), nb = k / QK, m = a.rows(), vl = f.length();
            long rowBytes = nb * BLOCK_BYTES;
            float[] d = a.d();
            float[] wq = new float[nb * 4 * vl], ws = new float[nb * vl];
            float[] lanes = new float[vl];
            for (int n = n0; n < n1; n += p) {
                regroupWeights(w, rowBytes, nb, n, n1, wq, ws);
                int i = 0;
                for (; i + 3 < m; i += 4) tile4(ra, d, nb, i, wq, ws, out, ldOut, n, n1, lanes);
                for (; i < m; i++) row1(ra, d, nb, i, wq, ws, out, ldOut, n, n1, lanes);
            }
        }

        private void tile4(float[] ra, float[] d, int nb, int i, float[] wq, float[] ws, float[] out, int ldOut, int n, int n1, float[] lanes) {
            int vl = f.length(), rs = nb * 4 * vl;
            FloatVector c0 = FloatVector.zero(f), c1 = c0, c2 = c0, c3 = c0;
            int a0 = i * rs, a1 = a0 + rs, a2 = a1 + rs, a3 = a2 + rs;
            for (int b = 0; b < nb; b++) {
                int wo = b * 4 * vl, ao = b * 4 * vl;
                FloatVector w0 = FloatVector.fromArray(f, wq, wo), w1 = FloatVector.fromArray(f, wq, wo + vl);
                FloatVector w2 = FloatVector.fromArray(f, wq, wo + 2 * vl), w3 = FloatVector.fromArray(f, wq, wo + 3 * vl);
                FloatVector sw = FloatVector.fromArray(f, ws, b * vl);
                c0 = laneSums(ra, a0 + ao, vl, w0, w1, w2, w3).fma(sw.mul(d[i * nb + b]), c0);
                c1 = laneSums(ra, a1 + ao, vl, w0, w1, w2, w3).fma(sw.mul(d[(i + 1) * nb + b]), c1);
                c2 = laneSums(ra, a2 + ao, vl, w0, w1, w2, w3).fma(sw.mul(d[(i + 2) * nb + b]), c2);
                c3 = laneSums(ra, a3 + ao, vl, w0, w1, w2, w3).fma(sw.mul(d[(i + 3) * nb + b]), c3);
            }
            store(c0, out, i * ldOut, n, n1, lanes);
            store(c1, out, (i + 1) * ldOut, n, n1, lanes);
            store(c2, out, (i + 2) * ldOut, n, n1, lanes);
            store(c3, out, (i + 3) * ldOut, n, n1, lanes);
        }

        private void row1(float[] ra, float[] d, int nb, int i, float[] wq, float[] ws, float[] out, int ldOut, int n, int n1, float[] lanes) {
            int vl = f.length(), rs = nb * 4 * vl;
            FloatVector c = FloatVector.zero(f);
            for (int b = 0; b < nb; b++) {
                int wo = b * 4 * vl;
                FloatVector t = laneSums(ra, i * rs + wo, vl, FloatVector.fromArray(f, wq, wo), FloatVector.fromArray(f, wq, wo + vl),
                        FloatVector.fromArray(f, wq, wo + 2 * vl), FloatVector.fromArray(f, wq, wo + 3 * vl));
                c = t.fma(FloatVector.fromArray(f, ws, b * vl).mul(d[i * nb + b]), c);
            }
            store(c, out, i * ldOut, n, n1, lanes);
        }

        /** Exact integer sums of four products per lane (all values are small integers held in floats). */
        private FloatVector laneSums(float[] ra, int o, int vl, FloatVector w0, FloatVector w1, FloatVector w2, FloatVector w3) {
            FloatVector t = FloatVector.fromArray(f, ra, o).mul(w0);
            t = FloatVector.fromArray(f, ra, o + vl).fma(w1, t);
            t = FloatVector.fromArray(f, ra, o + 2 * vl).fma(w2, t);
            return FloatVector.fromArray(f, ra, o + 3 * vl).fma(w3, t);
        }

        private void store(FloatVector c, float[] out, int rowOff, int n, int n1, float[] lanes) {
            c.intoArray(lanes, 0);
            for (int col = 0; col < p && n + col < n1; col++) {
                int l = col * LANES;
                out[rowOff + n + col] = hsum8(lanes[l], lanes[l + 1], lanes[l + 2], lanes[l + 3],
                        lanes[l + 4], lanes[l + 5], lanes[l + 6], lanes[l + 7]);
            }
        }
    }
}
