// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import dev.egemma.Embedder;
import dev.egemma.testing.TestData;
import dev.egemma.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.*;

/** {@code contextual} distillation on the golden dense F32 model (vocabulary 16,384, output width 64). */
class DistillContextualTest {
    static final Path MODEL = TestData.file("golden/small-dense-f32.gguf");
    static final int SAMPLE = 120;

    @TempDir
    static Path dir;
    static Path ckpt;
    static Distilled full;       // dim 64 = the teacher's width, unquantized
    static int[] tokens;         // sampled vocabulary tokens
    static float[][] teacher;    // their one-token vectors, computed here through the Embedder

    @BeforeAll
    static void distil() throws Exception {
        ckpt = dir.resolve("ctx.ckpt");
        full = Distiller.distill(MODEL, ckpt, options());
        tokens = Vectors.sample(full.vocabSize(), SAMPLE, 11);
        try (Embedder e = Embedder.open(MODEL, Embedder.Options.defaults().withNormalize(false).withThreads(2))) {
            Tokenizer tok = e.tokenizer();
            assertTrue(tok.addBos() && tok.addEos(), "EmbeddingGemma adds BOS and EOS");
            teacher = new float[SAMPLE][];
            for (int i = 0; i < SAMPLE; i++) teacher[i] = e.embedTokens(new int[] {tok.bosId(), tokens[i], tok.eosId()});
        }
    }

    static Distiller.Options options() {
        return Distiller.Options.defaults().withDim(64).withSeed(5).withThreads(2);
    }

    @Test
    void fullWidthUnquantizedReproducesTheTeachersOneTokenVectors() {
        assertEquals(16384, full.vocabSize());
        // PCA centres and rotates; differences of vectors are free of the mean, and a rotation keeps their cosines
        double worst = 0;
        for (int a = 0; a + 3 < SAMPLE; a += 2) {
            for (int b = 1; b + 3 < SAMPLE; b += 3) {
                double want = Vectors.cos(Vectors.minus(teacher[a], teacher[a + 1]), Vectors.minus(teacher[b], teacher[b + 2]));
                double got = Vectors.cos(Vectors.minus(full.rows()[tokens[a]], full.rows()[tokens[a + 1]]),
                        Vectors.minus(full.rows()[tokens[b]], full.rows()[tokens[b + 2]]));
                worst = Math.max(worst, Math.abs(want - got));
            }
        }
        assertTrue(worst < 1e-5, "worst cosine difference " + worst);
        // pairwise cosines of the rows equal those of the teacher vectors centred on the PCA mean
        for (int a = 0; a < SAMPLE; a++) {
            for (int b = 0; b < SAMPLE; b++) {
                double want = Vectors.cos(Vectors.minus(teacher[a], full.mean()), Vectors.minus(teacher[b], full.mean()));
                double got = Vectors.cos(Vectors.d(full.rows()[tokens[a]]), Vectors.d(full.rows()[tokens[b]]));
                assertEquals(want, got, 1e-5, "tokens " + tokens[a] + ", " + tokens[b]);
            }
        }
        // and the vectors themselves come back: componentsᵀ y + mean = teacher
        for (int s = 0; s < SAMPLE; s++) {
            float[] y = full.rows()[tokens[s]];
            double norm = Math.sqrt(Vectors.dot(teacher[s], teacher[s]));
            for (int i = 0; i < 64; i++) {
                double rec = full.mean()[i];
                for (int c = 0; c < 64; c++) rec += (double) full.components()[c][i] * y[c];
                assertEquals(teacher[s][i], rec, 1e-5 * norm, "token " + tokens[s] + " element " + i);
            }
        }
    }

    /**
     * The checkpoint's rows, computed 512 one-token texts per Embedder call (one micro-batch of 1,536 tokens), are the
     * teacher's vectors for each text alone (bit-identical with the native AVX-512 kernels; the bound leaves room for kernels
     * whose blocking depends on the batch).
     */
    @Test
    void batchedTeacherVectorsAreTheOneAtATimeOnes() throws Exception {
        try (TeacherVectors.MappedRows rows = TeacherVectors.MappedRows.open(ckpt, 64, 16384, 64)) {
            float[] r = new float[64];
            double worst = 0;
            for (int s = 0; s < SAMPLE; s++) {
                rows.row(tokens[s], r);
                double norm = Math.sqrt(Vectors.dot(teacher[s], teacher[s]));
                for (int i = 0; i < 64; i++) worst = Math.max(worst, Math.abs(r[i] - teacher[s][i]) / norm);
            }
            assertTrue(worst < 1e-6, "worst relative difference " + worst);
        }
    }

    @Test
    void resumesFromAnInterruptedCheckpoint() throws Exception {
        Path partial = dir.resolve("partial.ckpt");
        Files.copy(ckpt, partial);
        try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.WRITE)) {
            ch.truncate(64 + 1000L * 64 * 4 + 100); // 1000 rows and part of the next
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Distilled resumed = Distiller.distill(MODEL, partial, options().withProgress(new PrintStream(log, true, StandardCharsets.UTF_8)));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("1000 of 16384 tokens already done"), log.toString(StandardCharsets.UTF_8));
        assertEquals(64 + 16384L * 64 * 4, Files.size(partial));
        for (int t = 0; t < full.vocabSize(); t += 7)
            for (int c = 0; c < 64; c++) assertEquals(full.rows()[t][c], resumed.rows()[t][c], 1e-5 * (1 + Math.abs(full.rows()[t][c])), "token " + t);
    }

    @Test
    void refusesTheCheckpointOfAnotherModel() {
        IOException e = assertThrows(IOException.class,
                () -> Distiller.distill(TestData.file("golden/small-f32.gguf"), ckpt, options()));
        assertTrue(e.getMessage().contains("checkpoint of another model"), e.getMessage());
    }

    @Test
    void distillToFileWritesTheTableAndDropsTheCheckpoint() throws Exception {
        Path out = dir.resolve("ctx.emb8");
        Files.copy(ckpt, Distiller.checkpointPath(out)); // complete: the run resumes with nothing left to compute
        Distiller.distillToFile(MODEL, out, options().withDim(16));
        assertFalse(Files.exists(Distiller.checkpointPath(out)));
        try (StaticEmbedder s = StaticEmbedder.open(out)) {
            assertEquals(16, s.dimension());
            float[] v = s.embed("The quick brown fox");
            assertEquals(1, Vectors.dot(v, v), 1e-5);
        }
    }

    @Test
    void keptCheckpointServesAnotherWidth() throws Exception {
        Path out = dir.resolve("ctx8.emb8");
        Files.copy(ckpt, Distiller.checkpointPath(out));
        Distiller.distillToFile(MODEL, out, options().withDim(8), true);
        assertTrue(Files.exists(Distiller.checkpointPath(out)), "kept");
        assertEquals(-1, Files.mismatch(ckpt, Distiller.checkpointPath(out)), "unchanged");
        try (StaticEmbedder s = StaticEmbedder.open(out)) {
            assertEquals(8, s.dimension());
        }
    }
}
