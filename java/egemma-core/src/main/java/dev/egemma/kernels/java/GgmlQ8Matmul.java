// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import dev.egemma.gguf.GgmlType;
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
     * Activations regrouped for the Vector API product ({@link ExactQ8Tiles}): a vector of {@code L} floats holds
     * the eight lanes of {@code P = L/8} outputs, so within each 32-block the values are regrouped "i-major"
     * ({@code [i][lane]}, value {@code 4*lane + i}) and repeated P times: four multiply-adds of whole vectors
     * then give every lane's sum of four products.
     */
    static final class Vector {
        private final int vl;
        private final int p;

        Vector(VectorSpecies<Float> species) {
            if (species.length() % LANES != 0) throw new IllegalArgumentException("species " + species + " is not a multiple of 8 lanes");
            this.vl = species.length();
            this.p = vl / LANES;
        }

        /** Activations regrouped: [row][block][i][p copies][lane]. */
        float[] regroupActivations(Q8Rows a) {
            return regroupActivations(a, null, dev.egemma.kernels.Kernels.SERIAL);
        }

        /** As {@link #regroupActivations(Q8Rows)}, into {@code reuse} when it is large enough, row ranges split by {@code rows}. */
        float[] regroupActivations(Q8Rows a, float[] reuse, dev.egemma.kernels.Kernels.RowSplitter rows) {
            int k = a.cols(), nb = k / QK;
            float[] q = a.q();
            int size = a.rows() * nb * 4 * vl;
            float[] r = reuse != null && reuse.length >= size ? reuse : new float[size];
            rows.split(a.rows(), (i0, i1) -> {
                for (int i = i0; i < i1; i++)
                    for (int b = 0; b < nb; b++) {
                        int src = i * k + b * QK, dst = (i * nb + b) * 4 * vl;
                        for (int ii = 0; ii < 4; ii++)
                            for (int c = 0; c < p; c++)
                                for (int l = 0; l < LANES; l++) r[dst + ii * vl + c * LANES + l] = q[src + 4 * l + ii];
                    }
            });
            return r;
        }
    }
}
