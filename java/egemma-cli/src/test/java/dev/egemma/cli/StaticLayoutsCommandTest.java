// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import dev.egemma.gguf.GgufFile;
import dev.egemma.staticembed.Emb8File;
import dev.egemma.staticembed.Emb8Format;
import dev.egemma.testing.SentencePieceModelWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The commands a user of the original prep tool's files runs: distil a causal gemma3 model (version 2 and, with
 * --write-v1, the original version 1 layout), embed a version 1 table with its tokenizer given beside it (a GGUF or a
 * tokenizer.model), upgrade an earlier egemma build's file, and the one-line errors when a file is wrong.
 */
class StaticLayoutsCommandTest {
    @TempDir
    static Path dir;
    static Path gemma3, v2, v1, tokenizerModel;
    static final String[] TEXTS = {"Hello world", "Static embeddings from Gemma 3's token table.\n\tIndented <b>bold</b>"};

    @BeforeAll
    static void distil() throws Exception {
        gemma3 = dir.resolve("gemma3.gguf");
        CliTestSupport.Result r = CliTestSupport.run("synth", "--preset", "gemma3-tiny", "--type", "bf16", "-o", gemma3.toString(),
                "--vocab", CliTestSupport.testdata("embeddinggemma-vocab.gguf").toString());
        assertEquals(0, r.exit(), r.err());
        v2 = dir.resolve("v2.emb8");
        v1 = dir.resolve("v1.emb8");
        // no --dim: 64 by default, as the prep tool; the tiny model is 64 wide
        r = CliTestSupport.run("distill", "-m", gemma3.toString(), "-o", v2.toString(), "--method", "table", "--pca-sample", "20000", "--quiet");
        assertEquals(0, r.exit(), r.err());
        r = CliTestSupport.run("distill", "-m", gemma3.toString(), "-o", v1.toString(), "--method", "table", "--pca-sample", "20000", "--quiet", "--write-v1");
        assertEquals(0, r.exit(), r.err());
        tokenizerModel = dir.resolve("tokenizer.model");
        try (GgufFile vocab = GgufFile.open(CliTestSupport.testdata("embeddinggemma-vocab.gguf"))) {
            Files.write(tokenizerModel, SentencePieceModelWriter.fromGemmaGguf(vocab));
        }
    }

    private static String embed(String... args) {
        CliTestSupport.Result r = CliTestSupport.run(args);
        assertEquals(0, r.exit(), r.err());
        return r.out();
    }

    private static String[] with(String[] head, String... tail) {
        String[] a = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, a, head.length, tail.length);
        return a;
    }

    @Test
    void distilledFilesHaveTheirLayouts() throws Exception {
        assertEquals(Emb8Format.V2, Emb8File.format(v2));
        assertEquals(Emb8Format.V1_ORIGINAL, Emb8File.format(v1));
        try (Emb8File f = Emb8File.open(v2)) {
            assertEquals(64, f.embedDim());
            assertEquals(262_144, f.vocabSize());
        }
        assertEquals(32 + 4 * 64 + 4L * 262_144 + 262_144L * 64, Files.size(v1));
    }

    @Test
    void versionOneEmbedsLikeVersionTwoWithEitherTokenizerFile() {
        String want = embed(with(new String[] {"embed", "-m", v2.toString()}, TEXTS));
        assertEquals(want, embed(with(new String[] {"embed", "-m", v1.toString(), "--tokenizer", gemma3.toString()}, TEXTS)));
        assertEquals(want, embed(with(new String[] {"embed", "-m", v1.toString(), "--tokenizer", tokenizerModel.toString()}, TEXTS)));
    }

    @Test
    void versionOneWithoutATokenizerIsOneLine() {
        CliTestSupport.Result r = CliTestSupport.run("embed", "-m", v1.toString(), "x");
        assertEquals(1, r.exit());
        assertEquals("egemma embed: " + v1 + ": at byte " + (32 + 4 * 64 + 4L * 262_144 + 262_144L * 64)
                + ", tokenizer: none: a version 1 file (the original prep tool's layout) holds no tokenizer;"
                + " give the model's tokenizer beside it (a GGUF or SentencePiece's tokenizer.model)", r.err().strip());
    }

    @Test
    void damagedFilesAreOneLineNamingTheByte() throws Exception {
        Path cut = dir.resolve("cut.emb8");
        Files.write(cut, Arrays.copyOf(Files.readAllBytes(v1), 1000));
        CliTestSupport.Result r = CliTestSupport.run("embed", "-m", cut.toString(), "--tokenizer", gemma3.toString(), "x");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("egemma embed: " + cut + ": at byte 1000, tables: truncated: version 1 (the original layout)"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());

        Path badModel = dir.resolve("bad.model");
        Files.write(badModel, Arrays.copyOf(Files.readAllBytes(tokenizerModel), 100));
        r = CliTestSupport.run("embed", "-m", v1.toString(), "--tokenizer", badModel.toString(), "x");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("egemma embed: " + badModel + ": at byte "), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void tokenizerIsOnlyForStaticTables() {
        CliTestSupport.Result r = CliTestSupport.run("embed", "-m", CliTestSupport.testdata("golden/small-f32.gguf").toString(), "--tokenizer", gemma3.toString(), "x");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--tokenizer is for static EMB8 tables"), r.err());
    }

    /** bench and the server open a version 1 table with its tokenizer beside it, as embed does. */
    @Test
    void benchAndTheServerTakeTheTokenizerToo() throws Exception {
        CliTestSupport.Result r = CliTestSupport.run("bench", "-m", v1.toString(), "--tokenizer", tokenizerModel.toString(), "--warmup", "0", "--json");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("\"backend\":\"static\""), r.out());
        r = CliTestSupport.run("bench", "-m", v1.toString(), "--warmup", "0", "--json");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("egemma bench: " + v1 + ": at byte ") && r.err().contains("holds no tokenizer"), r.err());
        r = CliTestSupport.run("bench", "-m", CliTestSupport.testdata("golden/small-f32.gguf").toString(), "--tokenizer", gemma3.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--tokenizer is for static EMB8 tables"), r.err());

        // the server's handle: the version 2 table's vectors from the version 1 table and a tokenizer.model
        java.util.List<int[]> seqs = new java.util.ArrayList<>();
        try (var h2 = dev.egemma.server.ModelHandles.open(v2, dev.egemma.Embedder.Options.defaults(), null);
             var h1 = dev.egemma.server.ModelHandles.open(v1, dev.egemma.Embedder.Options.defaults(), tokenizerModel)) {
            for (String t : TEXTS) seqs.add(h2.tokenize(t, 2048).ids());
            float[][] want = h2.embed(seqs), got = h1.embed(seqs);
            for (int i = 0; i < want.length; i++) assertArrayEquals(want[i], got[i], 0f, "text " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> dev.egemma.server.ModelHandles.open(
                CliTestSupport.testdata("golden/small-f32.gguf"), dev.egemma.Embedder.Options.defaults(), gemma3));
        // serve's --tokenizer: usage errors before anything is loaded
        String[][] bad = {
                {"serve", "-m", "t=" + v1, "--tokenizer", "u=" + tokenizerModel, "--port", "0"},
                {"serve", "-m", "t=" + v1, "-m", "s=" + v2, "--tokenizer", tokenizerModel.toString(), "--port", "0"},
                {"serve", "-m", "g=" + CliTestSupport.testdata("golden/small-f32.gguf"), "--tokenizer", "g=" + tokenizerModel, "--port", "0"},
                {"serve", "-m", "t=" + v1, "--tokenizer", "t=" + dir.resolve("none.model"), "--port", "0"}};
        String[] why = {"no model named 'u'", "name the model", "holds its tokenizer", "no such file"};
        for (int i = 0; i < bad.length; i++) {
            r = CliTestSupport.run(bad[i]);
            assertEquals(2, r.exit(), r.err());
            assertTrue(r.err().contains(why[i]), r.err());
        }
    }

    @Test
    void staticUpgradeRewritesAnEarlierBuildsFile() throws Exception {
        byte[] legacy = Files.readAllBytes(v2);
        ByteBuffer.wrap(legacy).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 1); // what earlier egemma builds wrote
        Path old = dir.resolve("old.emb8"), upgraded = dir.resolve("upgraded.emb8");
        Files.write(old, legacy);
        CliTestSupport.Result r = CliTestSupport.run(with(new String[] {"embed", "-m", old.toString()}, TEXTS));
        assertEquals(0, r.exit(), r.err());
        assertEquals(embed(with(new String[] {"embed", "-m", v2.toString()}, TEXTS)), r.out());
        assertTrue(r.err().contains("egemma static-upgrade " + old), r.err());

        r = CliTestSupport.run("static-upgrade", old.toString(), upgraded.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(-1, Files.mismatch(v2, upgraded));

        r = CliTestSupport.run("static-upgrade", v2.toString(), dir.resolve("again.emb8").toString());
        assertEquals(1, r.exit());
        assertEquals("egemma static-upgrade: " + v2 + ": already version 2; nothing to upgrade", r.err().strip());
        r = CliTestSupport.run("static-upgrade", v1.toString(), dir.resolve("again.emb8").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("egemma static-upgrade: " + v1 + ": the original prep tool's version 1 layout"), r.err());
        assertFalse(Files.exists(dir.resolve("again.emb8")));
    }
}
