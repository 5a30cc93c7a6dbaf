// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Gram matrix {@code Σ x xᵀ} of many rows, accumulated a block of {@link #BLOCK} rows at a time: the block
 * is held transposed ({@code D x BLOCK} floats, one row per coordinate), each entry of the block's product is a
 * dot product of two such rows (Vector API, float FMAs), added to a double matrix.
 *
 * <p>Deterministic on every machine: the species is fixed at 256 bits (not the preferred one), lanes are
 * combined with lane-wise FMAs only, and the lanes of the result are summed in index order in Java code (not
 * {@code reduceLanes}, whose order the API leaves open and which differs between the interpreter and C2).
 */
final class Gram {
    static final int BLOCK = 256;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private final int d;
    private final float[][] xt;
    private final double[][] g;
    private final float[] lanes = new float[S.length() * 4];

    Gram(int d) {
        this.d = d;
        this.xt = new float[d][BLOCK];
        this.g = new double[d][d];
    }

    /** The transposed block to fill: {@code block()[i][r]} = coordinate i of row r (zeros past the last row). */
    float[][] block() {
        return xt;
    }

    /** Adds the current block's products (upper triangle). */
    void accumulate() {
        int n = S.length();
        for (int a = 0; a < d; a++) {
            float[] xa = xt[a];
            double[] ga = g[a];
            int b = a;
            for (; b + 3 < d; b += 4) { // four dot products share the loads of row a
                float[] x0 = xt[b], x1 = xt[b + 1], x2 = xt[b + 2], x3 = xt[b + 3];
                FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
                for (int r = 0; r < BLOCK; r += n) {
                    FloatVector va = FloatVector.fromArray(S, xa, r);
                    s0 = va.fma(FloatVector.fromArray(S, x0, r), s0);
                    s1 = va.fma(FloatVector.fromArray(S, x1, r), s1);
                    s2 = va.fma(FloatVector.fromArray(S, x2, r), s2);
                    s3 = va.fma(FloatVector.fromArray(S, x3, r), s3);
                }
                s0.intoArray(lanes, 0);
                s1.intoArray(lanes, n);
                s2.intoArray(lanes, 2 * n);
                s3.intoArray(lanes, 3 * n);
                for (int k = 0; k < 4; k++) ga[b + k] += sum(lanes, k * n, n);
            }
            for (; b < d; b++) {
                float[] xb = xt[b];
                FloatVector s0 = FloatVector.zero(S);
                for (int r = 0; r < BLOCK; r += n) s0 = FloatVector.fromArray(S, xa, r).fma(FloatVector.fromArray(S, xb, r), s0);
                s0.intoArray(lanes, 0);
                ga[b] += sum(lanes, 0, n);
            }
        }
    }

    private static double sum(float[] v, int from, int n) {
        double s = 0;
        for (int i = from; i < from + n; i++) s += v[i];
        return s;
    }

    /** The symmetric Gram matrix so far. */
    double[][] result() {
        double[][] out = new double[d][];
        for (int a = 0; a < d; a++) out[a] = g[a].clone();
        for (int a = 0; a < d; a++) for (int b = 0; b < a; b++) out[a][b] = out[b][a];
        return out;
    }
}
