// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels;

import java.util.Arrays;

/**
 * cos/sin of the NEOX RoPE angles for positions {@code 0..positions-1}, {@code nRot/2} values per position,
 * computed as ggml does ({@code ggml_rope_cache_init}): {@code theta_scale = powf(base, -2.0f/n_rot)},
 * {@code theta_0 = pos}, {@code theta_{i+1} = theta_i * theta_scale} in float, then {@code cosf/sinf}.
 * Grows on demand; safe for concurrent readers (a grown table is a new pair of arrays).
 */
public final class RopeTable {
    private final float base;
    private final int nRot;
    private volatile float[][] cosSin = {new float[0], new float[0]};

    public RopeTable(float base, int nRot) {
        if (nRot <= 0 || nRot % 2 != 0) throw new IllegalArgumentException("n_rot " + nRot + " must be positive and even");
        this.base = base;
        this.nRot = nRot;
    }

    public float base() {
        return base;
    }

    /** {cos, sin} covering at least {@code positions} positions. */
    public float[][] upTo(int positions) {
        float[][] t = cosSin;
        if (t[0].length >= positions * (nRot / 2)) return t;
        synchronized (this) {
            t = cosSin;
            if (t[0].length >= positions * (nRot / 2)) return t;
            int half = nRot / 2;
            int n = Math.max(positions, 2 * t[0].length / half);
            float[] cos = Arrays.copyOf(t[0], n * half), sin = Arrays.copyOf(t[1], n * half);
            float thetaScale = powf(base, -2.0f / nRot);
            for (int p = t[0].length / half; p < n; p++) {
                float theta = p;
                for (int i = 0; i < half; i++) {
                    cos[p * half + i] = (float) Math.cos(theta);
                    sin[p * half + i] = (float) Math.sin(theta);
                    theta *= thetaScale;
                }
            }
            cosSin = t = new float[][] {cos, sin};
            return t;
        }
    }

    /** C's powf: the double result rounded to float (correctly rounded in practice for these arguments). */
    static float powf(float x, float y) {
        return (float) Math.pow(x, y);
    }
}
