// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

/** Cyclic Jacobi eigen-decomposition of a small symmetric matrix (exact to double rounding; O(n³) per sweep). */
final class Jacobi {
    private static final int MAX_SWEEPS = 100;

    private Jacobi() {}

    /**
     * Eigenvalues of the symmetric {@code a} (destroyed); eigenvector {@code c} is written to {@code vectors[c]}.
     */
    static double[] eigen(double[][] a, double[][] vectors) {
        int n = a.length;
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(vectors[i], 0);
            vectors[i][i] = 1;
        }
        // v holds eigenvectors as columns: v[i][c]; vectors[] is its transpose, kept directly
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            double off = 0, diag = 0;
            for (int p = 0; p < n; p++) {
                diag += a[p][p] * a[p][p];
                for (int q = p + 1; q < n; q++) off += a[p][q] * a[p][q];
            }
            if (off <= 1e-26 * diag || off == 0) break;
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    double apq = a[p][q];
                    if (apq == 0) continue;
                    double theta = (a[q][q] - a[p][p]) / (2 * apq);
                    double t = Math.signum(theta == 0 ? 1 : theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    double c = 1 / Math.sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++) { // columns p, q
                        double akp = a[k][p], akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    double[] ap = a[p], aq = a[q];
                    for (int k = 0; k < n; k++) { // rows p, q
                        double apk = ap[k], aqk = aq[k];
                        ap[k] = c * apk - s * aqk;
                        aq[k] = s * apk + c * aqk;
                    }
                    double[] vp = vectors[p], vq = vectors[q];
                    for (int k = 0; k < n; k++) {
                        double x = vp[k], y = vq[k];
                        vp[k] = c * x - s * y;
                        vq[k] = s * x + c * y;
                    }
                }
            }
        }
        double[] lambda = new double[n];
        for (int i = 0; i < n; i++) lambda[i] = a[i][i];
        return lambda;
    }
}
