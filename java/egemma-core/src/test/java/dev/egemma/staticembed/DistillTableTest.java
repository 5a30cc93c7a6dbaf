// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import dev.egemma.gguf.GgufFile;
import dev.egemma.testing.TestData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** {@code table} distillation on the golden F32 model (vocabulary 16,384 x 64). */
class DistillTableTest {
    static final Path MODEL = TestData.file("golden/small-f32.gguf");
    static float[][] x;      // token_embd rows, read independently
    static double[] mean;    // their mean, in double
    static Distilled full;   // dim 64 = original width, unquantized

    @TempDir
    Path dir;

    @BeforeAll
    static void distil() throws Exception {
        try (GgufFile f = GgufFile.open(MODEL)) {
            x = Vectors.f32TokenEmbd(f);
        }
        mean = new double[x[0].length];
        for (float[] r : x) for (int i = 0; i < r.length; i++) mean[i] += r[i];
        for (int i = 0; i < mean.length; i++) mean[i] /= x.length;
        full = Distiller.distill(MODEL, null, table(64));
    }

    static Distiller.Options table(int dim) {
        return Distiller.Options.defaults().withMethod(Distiller.Method.TABLE).withDim(dim).withSeed(7);
    }

    @Test
    void fullWidthUnquantizedIsARotationOfTheCentredRows() {
        assertEquals(x.length, full.vocabSize());
        assertEquals(64, full.embedDim());
        for (int i = 0; i < mean.length; i++) assertEquals(mean[i], full.mean()[i], 1e-6, "mean[" + i + "]");
        // orthonormal components
        for (int a = 0; a < 64; a++)
            for (int b = 0; b < 64; b++)
                assertEquals(a == b ? 1 : 0, Vectors.dot(full.components()[a], full.components()[b]), 1e-5, "components " + a + "·" + b);
        // pairwise cosines of the centred token_embd rows survive (PCA at full width only rotates)
        int[] s = Vectors.sample(x.length, 150, 1);
        double worst = 0;
        for (int a : s) {
            for (int b : s) {
                double teacher = Vectors.cos(Vectors.minus(x[a], mean), Vectors.minus(x[b], mean));
                double stat = Vectors.cos(Vectors.d(full.rows()[a]), Vectors.d(full.rows()[b]));
                worst = Math.max(worst, Math.abs(teacher - stat));
            }
        }
        assertTrue(worst < 1e-5, "worst pairwise cosine difference " + worst);
        // and the rows come back exactly: componentsᵀ y + mean = x
        for (int t : s) {
            for (int i = 0; i < 64; i++) {
                double rec = full.mean()[i];
                for (int c = 0; c < 64; c++) rec += (double) full.components()[c][i] * full.rows()[t][c];
                assertEquals(x[t][i], rec, 1e-5 * (1 + Math.abs(x[t][i])), "token " + t + " element " + i);
            }
        }
    }

    @Test
    void quantizedRowsAreWithinHalfAStep() throws Exception {
        Path out = dir.resolve("t.emb8");
        try (GgufFile f = GgufFile.open(MODEL)) {
            Emb8Writer.write(out, full, Distiller.tokenizerKeys(f));
        }
        try (Emb8File e = Emb8File.open(out)) {
            assertEquals(16384, e.vocabSize());
            assertEquals(64, e.embedDim());
            assertEquals(64, e.originalDim());
            assertArrayEquals(full.mean(), e.mean());
            assertArrayEquals(full.components(), e.components());
            double worstRatio = 0;
            for (int t = 0; t < e.vocabSize(); t++) {
                float[] want = full.rows()[t];
                float max = 0;
                for (float v : want) max = Math.max(max, Math.abs(v));
                float s = e.scale(t);
                assertEquals(max / 127f, s, Math.ulp(max), "scale of token " + t);
                float[] got = e.row(t);
                for (int j = 0; j < want.length; j++) {
                    double err = Math.abs(got[j] - want[j]);
                    // int8 rounding: at most half a step, plus float rounding of x/s and q*s (a few ulp of max)
                    assertTrue(err <= s / 2 + 4 * Math.ulp(max), "token " + t + " element " + j + ": error " + err + " > s/2 = " + s / 2);
                    worstRatio = Math.max(worstRatio, err / s);
                }
            }
            assertTrue(worstRatio > 0.4, "16,384 x 64 roundings should come near half a step, worst was " + worstRatio);
        }
        assertEquals(32 + 4 * 64 + 4 * 64 * 64 + 4 * 16384 + 16384 * 64, tokenizerOffset(out));
    }

    /** Where the GGUF magic of the tokenizer section is, found by scanning (independent of the layout code). */
    private static long tokenizerOffset(Path p) throws Exception {
        byte[] b = Files.readAllBytes(p);
        for (int i = 32 + 4 * 64 + 4 * 64 * 64 + 4 * 16384 + 16384 * 64; i + 4 <= b.length; i++)
            if (b[i] == 'G' && b[i + 1] == 'G' && b[i + 2] == 'U' && b[i + 3] == 'F') return i;
        return -1;
    }

    @Test
    void randomizedPcaKeepsTheTopComponentsVariance() throws Exception {
        Distilled d16 = Distiller.distill(MODEL, null, table(16)); // 16 + oversampling 16 < 64: the randomized path
        for (int a = 0; a < 16; a++)
            for (int b = 0; b < 16; b++)
                assertEquals(a == b ? 1 : 0, Vectors.dot(d16.components()[a], d16.components()[b]), 1e-5);
        // the exact PCA's first 16 coordinates hold the most variance any 16-dim projection can
        double exact = 0, randomized = 0;
        for (int t = 0; t < x.length; t++) {
            for (int c = 0; c < 16; c++) {
                exact += (double) full.rows()[t][c] * full.rows()[t][c];
                randomized += (double) d16.rows()[t][c] * d16.rows()[t][c];
            }
        }
        assertTrue(randomized <= exact * (1 + 1e-6), randomized + " > " + exact);
        assertTrue(randomized >= exact * 0.999, "randomized PCA kept " + randomized + " of the optimal " + exact);
    }

    @Test
    void deterministicForASeed() throws Exception {
        Distiller.Options o = table(8).withPcaSample(5000).withSeed(3);
        Distilled a = Distiller.distill(MODEL, null, o), b = Distiller.distill(MODEL, null, o);
        assertTrue(Arrays.deepEquals(a.rows(), b.rows()));
        assertArrayEquals(a.mean(), b.mean());
        Distilled c = Distiller.distill(MODEL, null, o.withSeed(4)); // another sample of rows
        assertFalse(Arrays.equals(a.mean(), c.mean()));
    }

    @Test
    void zipfWeightsFollowTheScoreRanking() throws Exception {
        Distilled w = Distiller.distill(MODEL, null, table(64).withZipf(1e-4));
        try (GgufFile f = GgufFile.open(MODEL)) {
            float[] scores = f.getFloatArray("tokenizer.ggml.scores");
            int[] s = Vectors.sample(x.length, 200, 9);
            double h = 0;
            for (int r = 1; r <= x.length; r++) h += 1.0 / r;
            for (int t : s) {
                int rank = 1; // 1 + tokens ranked before t: higher score, or equal score and lower id
                for (int u = 0; u < scores.length; u++) if (scores[u] > scores[t] || (scores[u] == scores[t] && u < t)) rank++;
                double weight = 1e-4 / (1e-4 + 1 / (rank * h));
                for (int c = 0; c < 64; c++) assertEquals(full.rows()[t][c] * weight, w.rows()[t][c], 1e-6 * (1 + Math.abs(full.rows()[t][c])));
            }
        }
    }
}
