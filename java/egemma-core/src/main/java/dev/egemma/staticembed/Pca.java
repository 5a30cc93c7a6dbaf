// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import java.util.Arrays;
import java.util.Random;

/**
 * PCA of the rows of a {@link RowSource} by randomized SVD (Halko, Martinsson, Tropp 2011: randomized range
 * finder with power iterations, then Rayleigh-Ritz) of the centred matrix {@code Xc}.
 *
 * <p>The right singular vectors of {@code Xc} are the eigenvectors of its Gram matrix {@code Xcᵀ Xc}
 * ({@code D x D}), so the Gram matrix is accumulated in one pass over the rows (in double; the rows can be a
 * 800 MB mapping) and the randomized iteration runs on it: {@code Y = G Ω}, orthonormalize, power steps
 * ({@code Y = G Q}) until the captured variance stops growing, then the exact eigen-decomposition (cyclic Jacobi) of {@code Qᵀ G Q}. When {@code k + oversampling}
 * reaches {@code D} the range is the whole space and the result is the exact PCA.
 *
 * <p>Deterministic for a seed: row sampling and the Gaussian test matrix come from {@link java.util.Random}
 * (whose algorithm the JDK specifies), every loop runs in a fixed order, and each component's sign is fixed
 * so that its largest-magnitude entry is positive.
 */
final class Pca {
    /** Extra random directions: at least 10, and k itself, since synthetic and real spectra can be flat. */
    static int oversampling(int k) {
        return Math.max(10, k);
    }

    /**
     * Power steps, until the captured variance grows by less than {@link #CONVERGED} (relative); each costs
     * {@code D x D x l} on the Gram matrix, small next to the pass over the rows. Flat spectra (synthetic
     * weights) need more steps than real ones.
     */
    static final int MIN_POWER_ITERATIONS = 4, MAX_POWER_ITERATIONS = 50;
    static final double CONVERGED = 1e-6;

    record Fit(float[] mean, float[][] components, double[] variances, int powerIterations, double gramSeconds) {}

    private Pca() {}

    /**
     * @param k      components wanted, 1..dim
     * @param sample rows used for the fit, chosen at random by the seed; 0 or >= rows for all rows
     */
    static Fit fit(RowSource src, int k, int sample, long seed) {
        int n = src.rows(), d = src.dim();
        if (k < 1 || k > d) throw new IllegalArgumentException("dimension " + k + " is outside 1.." + d + " (the original width)");
        Random rnd = new Random(seed);
        int[] rows = sampleRows(n, sample, rnd);

        double[] mean = new double[d];
        float[] x = new float[d];
        for (int r : rows) {
            src.row(r, x);
            for (int i = 0; i < d; i++) mean[i] += x[i];
        }
        for (int i = 0; i < d; i++) mean[i] /= rows.length;
        long t0 = System.nanoTime();
        double[][] g = gram(src, rows, mean);
        double gramSeconds = (System.nanoTime() - t0) / 1e9;
        int iterations = 0;

        int l = Math.min(d, k + oversampling(k));
        double[][] q; // d x l, orthonormal columns stored as rows of qT (l x d)
        if (l == d) {
            q = identity(d);
        } else {
            q = new double[l][d];
            for (double[] col : q) for (int i = 0; i < d; i++) col[i] = rnd.nextGaussian();
            q = multiply(g, q);
            orthonormalize(q);
            double before = 0;
            for (int it = 0; it < MAX_POWER_ITERATIONS; it++) {
                double[][] gq = multiply(g, q);
                double trace = 0; // variance captured by span(Q): stops growing once the subspace has converged
                for (int c = 0; c < l; c++) trace += dot(q[c], gq[c]);
                q = gq;
                orthonormalize(q);
                iterations++;
                if (it >= MIN_POWER_ITERATIONS && trace - before <= CONVERGED * trace) break;
                before = trace;
            }
        }
        // Rayleigh-Ritz: T = Qᵀ G Q (l x l), T = W Λ Wᵀ, components = (Q W)ᵀ
        double[][] gq = multiply(g, q);
        double[][] t = new double[l][l];
        for (int a = 0; a < l; a++) for (int b = 0; b < l; b++) t[a][b] = dot(q[a], gq[b]);
        for (int a = 0; a < l; a++) for (int b = a + 1; b < l; b++) t[a][b] = t[b][a] = (t[a][b] + t[b][a]) / 2;
        double[][] w = new double[l][l]; // w[c] = eigenvector c (column of W)
        double[] lambda = Jacobi.eigen(t, w);
        Integer[] order = new Integer[l];
        for (int i = 0; i < l; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> {
            int c = Double.compare(lambda[b], lambda[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        float[][] comps = new float[k][d];
        double[] variances = new double[k];
        for (int c = 0; c < k; c++) {
            double[] wc = w[order[c]];
            double[] v = new double[d];
            for (int j = 0; j < l; j++) {
                double s = wc[j];
                for (int i = 0; i < d; i++) v[i] += s * q[j][i];
            }
            int big = 0;
            for (int i = 1; i < d; i++) if (Math.abs(v[i]) > Math.abs(v[big])) big = i;
            double norm = Math.sqrt(dot(v, v)) * Math.signum(v[big] == 0 ? 1 : v[big]);
            for (int i = 0; i < d; i++) comps[c][i] = (float) (v[i] / norm);
            variances[c] = lambda[order[c]] / Math.max(1, rows.length - 1);
        }
        float[] m = new float[d];
        for (int i = 0; i < d; i++) m[i] = (float) mean[i];
        return new Fit(m, comps, variances, iterations, gramSeconds);
    }

    private static int[] sampleRows(int n, int sample, Random rnd) {
        if (sample <= 0 || sample >= n) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) all[i] = i;
            return all;
        }
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        for (int i = 0; i < sample; i++) { // partial Fisher-Yates
            int j = i + rnd.nextInt(n - i);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        int[] s = Arrays.copyOf(perm, sample);
        Arrays.sort(s); // sequential reads of the source
        return s;
    }

    /**
     * {@code Σ (x - mean)(x - mean)ᵀ} over the rows: the centred rows of each block of {@link Gram#BLOCK} go
     * into a transposed float block, whose products are added to the double Gram matrix (see {@link Gram}).
     */
    private static double[][] gram(RowSource src, int[] rows, double[] mean) {
        int d = src.dim();
        Gram g = new Gram(d);
        float[] x = new float[d];
        float[][] xt = g.block();
        for (int start = 0; start < rows.length; start += Gram.BLOCK) {
            int nb = Math.min(Gram.BLOCK, rows.length - start);
            for (int r = 0; r < nb; r++) {
                src.row(rows[start + r], x);
                for (int i = 0; i < d; i++) xt[i][r] = (float) (x[i] - mean[i]);
            }
            for (int r = nb; r < Gram.BLOCK; r++) for (int i = 0; i < d; i++) xt[i][r] = 0; // a short last block
            g.accumulate();
        }
        return g.result();
    }

    private static double[][] identity(int d) {
        double[][] q = new double[d][d];
        for (int i = 0; i < d; i++) q[i][i] = 1;
        return q;
    }

    /** {@code G Q} with Q given as columns (rows of the array); G symmetric. */
    private static double[][] multiply(double[][] g, double[][] q) {
        double[][] out = new double[q.length][];
        for (int c = 0; c < q.length; c++) {
            double[] col = new double[g.length];
            for (int i = 0; i < g.length; i++) col[i] = dot(g[i], q[c]);
            out[c] = col;
        }
        return out;
    }

    /** Modified Gram-Schmidt, twice (re-orthogonalization keeps the basis orthonormal to double precision). */
    private static void orthonormalize(double[][] cols) {
        int fallback = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (int c = 0; c < cols.length; c++) {
                double[] v = cols[c];
                for (int p = 0; p < c; p++) {
                    double s = dot(cols[p], v);
                    double[] u = cols[p];
                    for (int i = 0; i < v.length; i++) v[i] -= s * u[i];
                }
                double norm = Math.sqrt(dot(v, v));
                if (norm < 1e-300) { // rank deficient: any unit vector orthogonal to the others will do
                    Arrays.fill(v, 0);
                    v[(c + fallback++) % v.length] = 1;
                    c--; // redo this column with the new start vector
                    continue;
                }
                for (int i = 0; i < v.length; i++) v[i] /= norm;
            }
        }
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
