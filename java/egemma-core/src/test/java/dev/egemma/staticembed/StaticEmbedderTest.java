// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import dev.egemma.gguf.GgufFile;
import dev.egemma.testing.TestData;
import dev.egemma.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/** {@link StaticEmbedder} against averages computed here from the file's bytes (layout read per the spec). */
class StaticEmbedderTest {
    static final Path MODEL = TestData.file("golden/small-f32.gguf");
    static final int DIM = 16;

    @TempDir
    static Path dir;
    static Distilled distilled;
    static StaticEmbedder embedder;
    static Tokenizer teacherTokenizer;
    static ByteBuffer file;
    static List<String> corpus;

    @BeforeAll
    static void setUp() throws Exception {
        distilled = Distiller.distill(MODEL, null, Distiller.Options.defaults().withMethod(Distiller.Method.TABLE).withDim(DIM));
        Path out = dir.resolve("s.emb8");
        try (GgufFile f = GgufFile.open(MODEL)) {
            Emb8Writer.write(out, distilled, Distiller.tokenizerKeys(f));
            teacherTokenizer = Tokenizer.fromGguf(f);
        }
        embedder = StaticEmbedder.open(out);
        file = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        corpus = Files.readAllLines(TestData.file("corpus/corpus-1000.txt"), StandardCharsets.UTF_8);
    }

    @AfterAll
    static void tearDown() {
        embedder.close();
    }

    /** Token t's dequantized row, from the raw bytes: header 32, mean 4D, components 4kD, scales 4V, rows Vk. */
    static double[] row(int t) {
        int v = file.getInt(8), k = file.getInt(12), d = file.getInt(16);
        int scales = 32 + 4 * d + 4 * k * d, rows = scales + 4 * v;
        double[] r = new double[k];
        for (int j = 0; j < k; j++) r[j] = (double) file.getFloat(scales + 4 * t) * file.get(rows + t * k + j);
        return r;
    }

    static double[] handAverage(int[] ids, boolean normalize) {
        double[] s = new double[DIM];
        for (int t : ids) {
            double[] r = row(t);
            for (int j = 0; j < DIM; j++) s[j] += r[j];
        }
        double n = 0;
        for (double x : s) n += x * x;
        for (int j = 0; j < DIM; j++) s[j] /= normalize ? Math.sqrt(n) : ids.length;
        return s;
    }

    /** The text's tokens without the BOS/EOS the tokenizer adds (EmbeddingGemma adds both). */
    static int[] content(String text) {
        int[] ids = teacherTokenizer.encode(text);
        assertEquals(teacherTokenizer.bosId(), ids[0]);
        assertEquals(teacherTokenizer.eosId(), ids[ids.length - 1]);
        return java.util.Arrays.copyOfRange(ids, 1, ids.length - 1);
    }

    static void assertClose(double[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what);
        for (int j = 0; j < want.length; j++) assertEquals(want[j], got[j], tol, what + " [" + j + "]");
    }

    @Test
    void embeddingIsTheNormalizedAverageOfTheContentTokensRows() {
        assertEquals(DIM, embedder.dimension());
        for (int i = 0; i < 50; i++) {
            String text = corpus.get(i * 20);
            int[] ids = content(text);
            assertTrue(ids.length > 0, text);
            assertClose(handAverage(ids, true), embedder.embed(text), 2e-6, "line " + i * 20);
            assertClose(handAverage(ids, false), embedder.embed(text, false), 2e-6 * (1 + maxAbs(handAverage(ids, false))), "mean of line " + i * 20);
            assertArrayEquals(embedder.embed(text), embedder.embedSequence(teacherTokenizer.encode(text), true));
        }
    }

    /** The mean is plain float arithmetic in a fixed order (per token {@code acc += scale * q}, then {@code * (1/n)}): same bits everywhere. */
    @Test
    void meanIsBitExactFloatArithmetic() {
        int v = file.getInt(8), d = file.getInt(16);
        int scales = 32 + 4 * d + 4 * DIM * d, rows = scales + 4 * v;
        for (int i = 0; i < corpus.size(); i += 10) {
            int[] ids = content(corpus.get(i));
            float[] acc = new float[DIM];
            for (int t : ids) {
                float s = file.getFloat(scales + 4 * t);
                for (int j = 0; j < DIM; j++) acc[j] += s * file.get(rows + t * DIM + j);
            }
            float inv = 1f / ids.length;
            for (int j = 0; j < DIM; j++) acc[j] *= inv;
            assertArrayEquals(acc, embedder.embedTokens(ids, false), "line " + i);
        }
    }

    @Test
    void specialTokensInTheTextAreKeptOnlyTheAddedOnesDropped() {
        String text = "<start_of_turn>user hi<end_of_turn>";
        int[] ids = content(text);
        assertTrue(ids.length >= 3 && teacherTokenizer.tokenType(ids[0]) == dev.egemma.tokenizer.TokenType.CONTROL, "parsed as a control token");
        assertClose(handAverage(ids, true), embedder.embed(text), 2e-6, text);
    }

    @Test
    void emptyTextAveragesBosAndEos() {
        int[] both = {teacherTokenizer.bosId(), teacherTokenizer.eosId()};
        assertClose(handAverage(both, true), embedder.embed(""), 2e-6, "empty text");
        assertClose(handAverage(both, true), embedder.embedTokens(both, true), 2e-6, "embedTokens");
        assertArrayEquals(new float[DIM], embedder.embedTokens(new int[0], true));
    }

    @Test
    void quantizedEmbeddingsStayWithinTheInt8Bound() {
        for (int i = 0; i < 1000; i += 37) {
            String text = corpus.get(i);
            int[] ids = content(text);
            double[] exact = new double[DIM];
            double stepSum = 0;
            for (int t : ids) {
                for (int j = 0; j < DIM; j++) exact[j] += distilled.rows()[t][j] / (double) ids.length;
                stepSum += file.getFloat(32 + 4 * 64 + 4 * DIM * 64 + 4 * t) / 2; // half a step per token
            }
            float[] got = embedder.embed(text, false);
            double bound = stepSum / ids.length; // per element: the mean of the tokens' half steps
            for (int j = 0; j < DIM; j++) assertEquals(exact[j], got[j], bound * 1.001 + 1e-6, "line " + i + " [" + j + "]");
            // normalized: |u/|u| - v/|v|| <= 2 |u - v| / |v|
            double diff = bound * Math.sqrt(DIM), norm = Math.sqrt(dot(exact, exact));
            float[] unit = embedder.embed(text);
            double dist = 0;
            for (int j = 0; j < DIM; j++) {
                double e = exact[j] / norm - unit[j];
                dist += e * e;
            }
            assertTrue(Math.sqrt(dist) <= 2 * diff / norm * 1.001 + 1e-6, "line " + i + ": " + Math.sqrt(dist) + " > " + 2 * diff / norm);
        }
    }

    @Test
    void sharedAcrossThreads() throws Exception {
        List<float[]> sequential = new ArrayList<>();
        for (String s : corpus) sequential.add(embedder.embed(s));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int offset = w;
                results.add(pool.submit(() -> {
                    for (int r = 0; r < 3; r++)
                        for (int i = offset; i < corpus.size(); i += 4)
                            if (!java.util.Arrays.equals(sequential.get(i), embedder.embed(corpus.get(i)))) return false;
                    return true;
                }));
            }
            for (Future<Boolean> f : results) assertTrue(f.get());
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void theEmbeddedTokenizerIsTheTeachers() {
        assertEquals(teacherTokenizer.vocabSize(), embedder.tokenizer().vocabSize());
        for (String s : corpus.subList(0, 200)) assertArrayEquals(teacherTokenizer.encode(s), embedder.tokenize(s), s);
    }

    @Test
    void rejectsTokenIdsOutsideTheVocabulary() {
        assertThrows(IndexOutOfBoundsException.class, () -> embedder.embedTokens(new int[] {16384}, true));
        assertThrows(IndexOutOfBoundsException.class, () -> embedder.embedTokens(new int[] {-1}, true));
    }

    private static double maxAbs(double[] x) {
        double m = 0;
        for (double v : x) m = Math.max(m, Math.abs(v));
        return m;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
