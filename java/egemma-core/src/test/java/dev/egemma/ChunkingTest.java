// SPDX-License-Identifier: Apache-2.0
package dev.egemma;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.egemma.model.EmbeddingGemma;
import dev.egemma.testing.TestData;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Long texts in chunks (issue 26, long documents): windows on token boundaries with the asked overlap, character spans
 * that hold each chunk's text, separate chunks bit-identical to embedding their tokens alone, and late chunking equal
 * to the plain embedding when one chunk covers the text.
 */
class ChunkingTest {
    static final String TEXT = "Embedding models are mostly fed document chunks. Each chunk gets its own vector, "
            + "and a retriever compares a query's vector with every chunk's. Late chunking runs the whole document first, "
            + "so that a chunk that says \"it\" still knows what it refers to. Ünïcödé and emoji 🚀 too.";
    static Embedder e;

    @BeforeAll
    static void open() throws Exception {
        e = Embedder.open(TestData.file("golden/small-dense-q8_0.gguf"), Embedder.Options.defaults().withBackend(Backend.JAVA).withThreads(2));
    }

    @AfterAll
    static void close() {
        e.close();
    }

    @Test
    void windowsCoverTheTokensWithTheAskedOverlap() {
        assertArrayEquals(new int[] {0, 4, 3, 7, 6, 10}, new Chunking(4, 1, false).windows(10));
        assertArrayEquals(new int[] {0, 10}, new Chunking(16, 8, false).windows(10));
        assertArrayEquals(new int[] {0, 0}, new Chunking(4, 0, false).windows(0));
        assertArrayEquals(new int[] {0, 3, 3, 6, 6, 7}, new Chunking(3, 0, true).windows(7));
        assertThrows(IllegalArgumentException.class, () -> new Chunking(0, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new Chunking(4, 4, false));
        assertThrows(IllegalArgumentException.class, () -> new Chunking(4, -1, false));
    }

    @Test
    void separateChunksAreTheirTokensEmbeddedAloneAndTheirSpansHoldTheirText() {
        int[] tokens = e.tokenizer().encode(TEXT, false, true);
        List<Chunking.Chunk> chunks = e.embedChunks(TEXT, new Chunking(16, 4, false));
        assertEquals(new Chunking(16, 4, false).windows(tokens.length).length / 2, chunks.size());
        int prevTo = 0;
        for (Chunking.Chunk c : chunks) {
            assertTrue(c.tokenTo() - c.tokenFrom() <= 16 && c.tokenFrom() < c.tokenTo());
            if (c != chunks.getFirst()) assertEquals(prevTo - 4, c.tokenFrom(), "consecutive chunks share 4 tokens");
            prevTo = c.tokenTo();
            int[] alone = Chunking.withSpecials(e.tokenizer(), new int[0], Arrays.copyOfRange(tokens, c.tokenFrom(), c.tokenTo()));
            assertArrayEquals(e.embedTokens(alone), c.vector(), "chunk " + c.tokenFrom());
            String span = new String(TEXT.codePoints().skip(c.charFrom()).limit(c.charTo() - c.charFrom()).toArray(), 0, c.charTo() - c.charFrom());
            String decoded = e.tokenizer().decode(Arrays.copyOfRange(tokens, c.tokenFrom(), c.tokenTo()));
            if (!decoded.contains("\uFFFD")) // a chunk may start or end inside a character spelled by byte tokens
                assertEquals(decoded, span, "the span holds the chunk's tokens' text");
        }
        assertEquals(tokens.length, chunks.getLast().tokenTo());
        assertEquals(0, chunks.getFirst().charFrom());
        assertEquals(TEXT.codePointCount(0, TEXT.length()), chunks.getLast().charTo());
    }

    @Test
    void oneChunkOverTheWholeTextIsThePlainEmbeddingInBothModes() {
        assertArrayEquals(e.embed(TEXT), e.embedChunks(TEXT, new Chunking(2048, 0, false)).getFirst().vector());
        assertArrayEquals(e.embed(TEXT), e.embedChunks(TEXT, new Chunking(2048, 0, true)).getFirst().vector());
        assertArrayEquals(e.embed(""), e.embedChunks("", new Chunking(8, 0, true)).getFirst().vector());
    }

    @Test
    void lateChunksPoolTheirOwnTokensOfOneForwardPass() {
        List<Chunking.Chunk> late = e.embedChunks(TEXT, new Chunking(16, 0, true));
        List<Chunking.Chunk> separate = e.embedChunks(TEXT, new Chunking(16, 0, false));
        assertEquals(separate.size(), late.size());
        assertTrue(late.size() > 2);
        for (int i = 0; i < late.size(); i++) {
            assertEquals(separate.get(i).tokenFrom(), late.get(i).tokenFrom());
            assertFalse(Arrays.equals(separate.get(i).vector(), late.get(i).vector()), "chunk " + i + " saw its neighbours");
            double norm = 0;
            for (float x : late.get(i).vector()) norm += x * x;
            assertEquals(1.0, norm, 1e-5, "normalized");
        }
        // the pooling itself: spans of one forward pass against the model's whole-sequence forward
        try (dev.egemma.gguf.GgufFile f = dev.egemma.gguf.GgufFile.open(TestData.file("golden/small-dense-q8_0.gguf"));
             dev.egemma.model.WorkerPool pool = new dev.egemma.model.WorkerPool(1)) {
            spansOfOneForwardPass(new EmbeddingGemma(dev.egemma.model.ModelWeights.bind(f, dev.egemma.model.ModelConfig.from(f)),
                    new dev.egemma.kernels.java.ScalarKernels(), pool));
        } catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    private void spansOfOneForwardPass(EmbeddingGemma model) {
        int[] seq = e.tokenizer().encode(TEXT, true, true);
        float[][] whole = model.forward(List.of(seq), null);
        float[][] oneSpan = model.forward(List.of(seq), List.of(new int[] {0, seq.length}), null, new dev.egemma.model.Scratch());
        assertArrayEquals(whole[0], oneSpan[0]);
        assertThrows(IllegalArgumentException.class,
                () -> model.forward(List.of(seq), List.of(new int[] {3, 3}), null, new dev.egemma.model.Scratch()));
        assertThrows(IllegalArgumentException.class,
                () -> model.forward(List.of(seq), List.of(new int[] {0, seq.length + 1}), null, new dev.egemma.model.Scratch()));
    }

    @Test
    void aTextOverTheContextIsRefusedForLateChunkingAndChunkedSeparately() {
        String longText = "word ".repeat(3000);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> e.embedChunks(longText, new Chunking(512, 0, true)));
        assertTrue(ex.getMessage().contains("exceed the context of 2048"), ex.getMessage());
        List<Chunking.Chunk> chunks = e.embedChunks(longText, new Chunking(512, 64, false));
        assertTrue(chunks.size() >= 6, chunks.size() + " chunks");
        assertThrows(IllegalArgumentException.class, () -> e.embedChunks(longText, new Chunking(4096, 0, false)));
    }
}
