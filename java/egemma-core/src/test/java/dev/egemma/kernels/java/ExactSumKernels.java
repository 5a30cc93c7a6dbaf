// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import dev.egemma.kernels.WeightMatrix;

/**
 * The Java kernels with the quantized products evaluated precisely: the same exact integer dots and scales as the
 * block order, but every block term {@code isum * d_w * d_a} (and min term) multiplied and summed in double and
 * rounded to float once at the end, instead of a float scale product and a float fma chain: the closest float to the
 * value the block formula defines (to within double rounding). Tests use it to tell summation-order noise from a formula error:
 * an activation that lands within float noise of a Q8_K rounding boundary flips one int8 step in one order and not
 * in another, and a short text's pooled vector carries that flip (so two correct orders, ours and llama.cpp's, can
 * differ by ~4e-3); a wrong formula misses in every order.
 */
public final class ExactSumKernels extends ScalarKernels {
    @Override
    public String name() {
        return "java-scalar-exact-sum";
    }

    @Override
    void matmulBlocks(BlockFormat f, BlockActivations a, WeightMatrix w, int n0, int n1, float[] out, int ldOut, BlockFormat.Unpacked u) {
        int k = a.cols(), nb = k / f.block(), subs = f.block() / f.sub;
        for (int n = n0; n < n1; n++) {
            u.row(f, w.data(), w.rowBytes(), n, k);
            for (int i = 0; i < a.rows(); i++) {
                double acc = 0, accMin = 0;
                for (int b = 0; b < nb; b++) {
                    int isum = 0;
                    for (int j = 0; j < subs; j++) {
                        int e0 = b * f.block() + j * f.sub, dot = 0;
                        for (int l = 0; l < f.sub; l++) dot += u.q[e0 + l] * a.q()[i * k + e0 + l];
                        isum += u.sc[b * subs + j] * dot;
                    }
                    float da = a.d()[i * nb + b];
                    acc += (double) isum * u.d[b] * da;
                    if (f.min == BlockFormat.Min.INT) accMin -= (double) BlockDot.minSum(f, u.mn, a.bsums(), i, k, b) * u.dm[b] * da;
                    if (f.min == BlockFormat.Min.FLOAT) accMin += (double) u.dm[b] * a.s()[i * nb + b];
                }
                out[i * ldOut + n] = (float) (acc + accMin);
            }
        }
    }
}
