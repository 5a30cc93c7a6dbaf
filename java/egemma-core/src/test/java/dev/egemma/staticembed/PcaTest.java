// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** {@link Pca} on data with a known answer: rows {@code mean + Σ_c z_c σ_c u_c} with orthonormal {@code u_c}. */
class PcaTest {
    static final int N = 4000, D = 48;

    record Known(float[][] data, double[][] axes, double[] sigma, double[] mean) implements RowSource {
        public int rows() { return data.length; }
        public int dim() { return D; }
        public void row(int i, float[] dst) { System.arraycopy(data[i], 0, dst, 0, D); }
    }

    static Known known(long seed) {
        Random r = new Random(seed);
        double[][] u = new double[D][D];
        for (double[] v : u) for (int i = 0; i < D; i++) v[i] = r.nextGaussian();
        for (int c = 0; c < D; c++) { // Gram-Schmidt: a random orthonormal basis
            for (int p = 0; p < c; p++) {
                double s = Pca.dot(u[p], u[c]);
                for (int i = 0; i < D; i++) u[c][i] -= s * u[p][i];
            }
            double n = Math.sqrt(Pca.dot(u[c], u[c]));
            for (int i = 0; i < D; i++) u[c][i] /= n;
        }
        double[] sigma = new double[D], mean = new double[D];
        for (int c = 0; c < D; c++) sigma[c] = 10 * Math.pow(0.8, c); // decaying, like a trained model's spectrum
        for (int i = 0; i < D; i++) mean[i] = r.nextGaussian() * 3;
        float[][] rows = new float[N][D];
        for (int t = 0; t < N; t++) {
            double[] x = mean.clone();
            for (int c = 0; c < D; c++) {
                double z = r.nextGaussian() * sigma[c];
                for (int i = 0; i < D; i++) x[i] += z * u[c][i];
            }
            for (int i = 0; i < D; i++) rows[t][i] = (float) x[i];
        }
        return new Known(rows, u, sigma, mean);
    }

    @Test
    void randomizedFindsTheLeadingAxes() {
        Known k = known(1);
        Pca.Fit fit = Pca.fit(k, 6, 0, 99); // 6 + 10 oversampling < 48: the randomized path
        assertTrue(fit.powerIterations() >= Pca.MIN_POWER_ITERATIONS);
        for (int c = 0; c < 6; c++) {
            double cos = 0;
            for (int i = 0; i < D; i++) cos += fit.components()[c][i] * k.axes()[c][i];
            // sampling noise: N = 4000 rows pin an axis whose neighbours' variances differ by 20-36% to within
            // ~0.05 rad (1 - cos ~ 1e-3); the exact-vs-randomized test below checks the algorithm itself to 1e-5
            assertEquals(1, Math.abs(cos), 1e-2, "component " + c);
            double sd = Math.sqrt(fit.variances()[c]);
            assertEquals(k.sigma()[c], sd, 0.05 * k.sigma()[c], "standard deviation along component " + c);
        }
        for (int i = 0; i < D; i++) assertEquals(k.mean()[i], fit.mean()[i], 0.1, "mean " + i);
    }

    @Test
    void sameAnswerAsTheExactDecomposition() {
        Known k = known(2);
        Pca.Fit exact = Pca.fit(k, D, 0, 1), randomized = Pca.fit(k, 8, 0, 1);
        for (int c = 0; c < 8; c++) {
            double cos = 0;
            for (int i = 0; i < D; i++) cos += (double) exact.components()[c][i] * randomized.components()[c][i];
            assertEquals(1, cos, 1e-5, "component " + c + " (signs are fixed, so +1)");
            assertEquals(exact.variances()[c], randomized.variances()[c], 1e-6 * exact.variances()[c]);
        }
    }

    @Test
    void deterministicAndSeeded() {
        Known k = known(3);
        Pca.Fit a = Pca.fit(k, 5, 1000, 7), b = Pca.fit(k, 5, 1000, 7), c = Pca.fit(k, 5, 1000, 8);
        assertArrayEquals(a.components(), b.components());
        assertArrayEquals(a.mean(), b.mean());
        assertFalse(java.util.Arrays.equals(a.mean(), c.mean()), "another seed samples other rows");
    }

    @Test
    void rejectsAWidthBeyondTheData() {
        Known k = known(4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pca.fit(k, D + 1, 0, 1));
        assertTrue(e.getMessage().contains("outside 1..48"), e.getMessage());
    }
}
