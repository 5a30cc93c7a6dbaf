// SPDX-License-Identifier: Apache-2.0
package dev.egemma;

import dev.egemma.testing.TestData;
import dev.egemma.tokenizer.TooManyTokensException;
import dev.egemma.tokenizer.Truncation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/** The Embedder API on the golden F32 dense model: text path, prompts, Matryoshka, truncation, batching. */
class EmbedderTest {
    static Path model;
    static Embedder plain, raw;

    @BeforeAll
    static void open() throws Exception {
        model = TestData.file("golden/small-dense-f32.gguf");
        plain = Embedder.open(model, Embedder.Options.defaults().withBackend(Backend.JAVA).withThreads(2));
        raw = Embedder.open(model, Embedder.Options.defaults().withBackend(Backend.JAVA).withThreads(2).withNormalize(false));
    }

    @AfterAll
    static void close() {
        plain.close();
        raw.close();
    }

    static double maxAbs(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    static double norm(float[] a) {
        double s = 0;
        for (float v : a) s += (double) v * v;
        return Math.sqrt(s);
    }

    /**
     * The server opens its Embedder unnormalized and normalizes per request with {@link Embedder#normalize}: that
     * must give the bits a normalizing Embedder gives (same kernels), not merely close values.
     */
    @Test
    void normalizeGivesTheNormalizingEmbeddersBits() {
        String warm = "warm up the kernels with a text of a few dozen tokens, long enough to run every loop many times";
        for (int i = 0; i < 30; i++) {
            plain.embed(warm + i);
            raw.embed(warm + i);
        }
        for (String text : List.of("Hello world", "a second, longer text with more words in it", "ünïcødé ✓ 日本語")) {
            float[] v = raw.embed(text);
            assertNotEquals(1.0, norm(v), 1e-3, "the raw vector is not unit length");
            raw.normalize(v, raw.tokenize(text).length);
            float[] want = plain.embed(text);
            for (int j = 0; j < want.length; j++)
                assertEquals(Float.floatToRawIntBits(want[j]), Float.floatToRawIntBits(v[j]), text + "[" + j + "]");
        }
        assertThrows(NonFiniteEmbeddingException.class, () -> raw.normalize(new float[4], 3));
    }

    /**
     * The adapters' per-call widths: one raw full-width Embedder must give, for every width, the bits an Embedder
     * opened at that width gives (and the tokens embedCounted counts); widths it cannot give are refused clearly.
     */
    @Test
    void embedMatryoshkaGivesTheBitsOfAnEmbedderOpenedAtThatWidth() throws Exception {
        List<String> texts = List.of("Hello world", "a second, longer text with more words in it");
        for (int i = 0; i < 30; i++) raw.embed("warm up the kernels with a text long enough to run every loop " + i);
        for (int dim : new int[] {1, 16, 63, 64}) {
            try (Embedder e = Embedder.open(model, Embedder.Options.defaults().withBackend(Backend.JAVA).withThreads(2).withDimension(dim))) {
                for (int i = 0; i < 30; i++) e.embed("warm up the kernels with a text long enough to run every loop " + i);
                Embedder.CountedEmbeddings got = raw.embedMatryoshka(texts, dim);
                Embedder.CountedEmbeddings want = e.embedCounted(texts);
                assertEquals(want.tokens(), got.tokens());
                for (int t = 0; t < texts.size(); t++)
                    for (int j = 0; j < dim; j++)
                        assertEquals(Float.floatToRawIntBits(want.vectors()[t][j]), Float.floatToRawIntBits(got.vectors()[t][j]), dim + ": " + t + "[" + j + "]");
                assertArrayEquals(want.vectors()[0], e.embedMatryoshka(texts, dim).vectors()[0], "its own width from a normalizing Embedder");
            }
        }
        for (int bad : new int[] {0, -1, 65})
            assertTrue(assertThrows(IllegalArgumentException.class, () -> raw.embedMatryoshka(texts, bad)).getMessage().contains("1..64"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> plain.embedMatryoshka(texts, 32)).getMessage().contains("withNormalize(false)"));
    }

    @Test
    void textIsTokenizedAndEmbedded() {
        float[] e = plain.embed("Hello world");
        assertArrayEquals(plain.tokenizer().encode("Hello world"), plain.tokenize("Hello world"));
        assertEquals(64, e.length);
        assertEquals(1.0, norm(e), 1e-6);
        assertEquals(0.0, maxAbs(e, plain.embedTokens(plain.tokenize("Hello world"))), 0.0);
        assertTrue(plain.hasDenseProjection());
    }

    @Test
    void embedCountedGivesEmbedVectorsAndTheTokensFedToTheModel() {
        List<String> texts = List.of("Hello world", "", "a somewhat longer text with several words in it");
        Embedder.CountedEmbeddings counted = plain.embedCounted(texts);
        float[][] want = plain.embed(texts);
        assertEquals(want.length, counted.vectors().length);
        for (int i = 0; i < want.length; i++) assertArrayEquals(want[i], counted.vectors()[i], "text " + i);
        long tokens = 0;
        for (String t : texts) tokens += plain.tokenize(t).length;
        assertEquals(tokens, counted.tokens());
        assertTrue(counted.tokens() > 2L * texts.size(), "BOS and EOS are counted");
        Embedder.CountedEmbeddings none = plain.embedCounted(List.of());
        assertEquals(0, none.vectors().length);
        assertEquals(0, none.tokens());
    }

    @Test
    void emptyStringIsBosEos() {
        assertArrayEquals(new int[] {2, 1}, plain.tokenize(""));
        float[] e = plain.embed("");
        for (float v : e) assertTrue(Float.isFinite(v));
        assertEquals(1.0, norm(e), 1e-6);
    }

    @Test
    void matryoshkaTruncatesThenRenormalizes() throws Exception {
        String text = "The quick brown fox jumps over the lazy dog.";
        float[] full = raw.embed(text);
        for (int dim : new int[] {1, 16, 32, 63, 64}) {
            try (Embedder e = Embedder.open(model, Embedder.Options.defaults().withBackend(Backend.JAVA).withThreads(1).withDimension(dim))) {
                float[] v = e.embed(text);
                assertEquals(dim, v.length);
                assertEquals(dim, e.dimension());
                double n = 0;
                for (int i = 0; i < dim; i++) n += (double) full[i] * full[i];
                float inv = (float) (1.0 / Math.sqrt(n));
                for (int i = 0; i < dim; i++) assertEquals(full[i] * inv, v[i], 1e-6, "dim " + dim + " value " + i);
            }
        }
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> Embedder.open(model, Embedder.Options.defaults().withDimension(65)));
        assertTrue(ex.getMessage().contains("65"), ex.getMessage());
    }

    @Test
    void taskPromptsArePrefixes() throws Exception {
        assertEquals("task: search result | query: ", Task.QUERY.prefix());
        assertEquals("title: none | text: ", Task.DOCUMENT.prefix());
        assertEquals("task: question answering | query: ", Task.parse("question-answering").prefix());
        assertEquals("task: fact checking | query: ", Task.parse("fact-checking").prefix());
        assertEquals("task: classification | query: ", Task.parse("classification").prefix());
        assertEquals("task: clustering | query: ", Task.parse("clustering").prefix());
        assertEquals("task: sentence similarity | query: ", Task.parse("similarity").prefix());
        assertEquals("task: code retrieval | query: ", Task.parse("code-retrieval").prefix());
        assertEquals("title: My Doc | text: body", Task.document("My Doc", "body"));
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Task.parse("search"));
        assertTrue(ex.getMessage().contains("query") && ex.getMessage().contains("code-retrieval"), ex.getMessage());
        try (Embedder q = Embedder.open(model, Embedder.Options.defaults().withBackend(Backend.JAVA).withThreads(1).withTask(Task.QUERY))) {
            String text = "what is the capital of France?";
            assertArrayEquals(plain.tokenize("task: search result | query: " + text), q.tokenize(text));
            assertEquals(0.0, maxAbs(plain.embed("task: search result | query: " + text), q.embed(text)), 1e-7);
            assertTrue(maxAbs(plain.embed(text), q.embed(text)) > 1e-3, "the prompt must change the embedding");
        }
    }

    @Test
    void truncatesAt2048TokensOrFails() throws Exception {
        String longText = "hello world ".repeat(3000);
        int[] ids = plain.tokenize(longText);
        assertEquals(2048, ids.length);
        assertEquals(2, ids[0]);
        assertEquals(1, ids[2047]);
        float[] e = plain.embed(longText);
        assertEquals(1.0, norm(e), 1e-6);
        try (Embedder strict = Embedder.open(model, Embedder.Options.defaults().withBackend(Backend.JAVA).withThreads(1).withTruncation(Truncation.ERROR))) {
            assertThrows(TooManyTokensException.class, () -> strict.embed(longText));
        }
    }

    @Test
    void batchingDoesNotChangeResults() throws Exception {
        String target = "Numbers: 3.14159, 2,718, 1234567890 and 42% of 7/8";
        float[] alone = plain.embed(target);
        List<String> batch = List.of("a", "The quick brown fox jumps over the lazy dog. ".repeat(20), target, "", "日本語のテキストです。");
        float[][] all = plain.embed(batch);
        assertEquals(batch.size(), all.length);
        assertTrue(maxAbs(alone, all[2]) <= 1e-6, "batched vs alone: " + maxAbs(alone, all[2]));
        for (int i = 0; i < batch.size(); i++) assertEquals(0.0, maxAbs(plain.embed(batch.get(i)), all[i]), 1e-6, "text " + i);
        // a tiny batch budget splits the list into several forward passes: still the same vectors, same order
        try (Embedder small = Embedder.open(model, Embedder.Options.defaults().withBackend(Backend.JAVA).withThreads(2).withMaxBatchTokens(8))) {
            float[][] split = small.embed(batch);
            for (int i = 0; i < batch.size(); i++) assertTrue(maxAbs(all[i], split[i]) <= 1e-6, "text " + i);
        }
    }

    @Test
    void concurrentCallersGetTheirOwnResults() throws Exception {
        List<String> texts = List.of("Hello world", "line one\nline two", "Русский текст", "code: def f(x): return x", "");
        float[][] expected = plain.embed(texts);
        ExecutorService ex = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> fs = new ArrayList<>();
            for (int r = 0; r < 5; r++) for (String t : texts) fs.add(ex.submit(() -> plain.embed(t)));
            for (int i = 0; i < fs.size(); i++) assertEquals(0.0, maxAbs(expected[i % texts.size()], fs.get(i).get()), 1e-6);
        } finally {
            ex.shutdown();
        }
    }

    @Test
    void modelWithoutDenseStillEmbeds() throws Exception {
        try (Embedder e = Embedder.open(TestData.file("golden/small-f32.gguf"), Embedder.Options.defaults().withBackend(Backend.JAVA).withThreads(1))) {
            assertFalse(e.hasDenseProjection());
            assertEquals(64, e.embed("Hello world").length);
        }
    }

    @Test
    void nativeBackendEmbedsLikeTheJavaOne() throws Exception {
        // the native backend (issue 6) computes what libegemma has natively and the rest on the Java kernels
        dev.egemma.kernels.ffm.NativeTestSupport.requireNative();
        try (Embedder nat = Embedder.open(model, Embedder.Options.defaults().withBackend(Backend.NATIVE))) {
            assertTrue(maxAbs(nat.embed("Hello world"), plain.embed("Hello world")) <= 1e-5);
        }
    }

    @Test
    void badTokenIdsAreRejected() {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> plain.embedTokens(new int[] {2, 999_999, 1}));
        assertTrue(ex.getMessage().contains("999999"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> plain.embedTokens(new int[0]));
    }
}
