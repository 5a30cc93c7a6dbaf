// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import dev.egemma.gguf.Dequantizer;
import dev.egemma.gguf.GgmlType;
import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufTensor;
import dev.egemma.synth.SynthSpec;
import dev.egemma.synth.SyntheticModel;
import dev.egemma.testing.TestData;
import dev.egemma.tokenizer.Tokenizer;
import dev.egemma.tokenizer.TokenizerFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code table} distillation of a causal {@code gemma3} model, as the original prep tool distils Gemma 3 270M: a
 * synthetic one with the real 262,144-token vocabulary, its token table in two weight types.
 */
class DistillGemma3Test {
    static final int DIM = 16;

    @TempDir
    Path dir;

    private Path gemma3(GgmlType type) throws Exception {
        SynthSpec s = SynthSpec.gemma3Tiny();
        s.type = type;
        Path p = dir.resolve("gemma3-" + type + ".gguf");
        SyntheticModel.write(s, TestData.file("embeddinggemma-vocab.gguf"), p);
        return p;
    }

    private static Distiller.Options table() {
        return Distiller.Options.defaults().withMethod(Distiller.Method.TABLE).withDim(DIM).withPcaSample(20_000).withSeed(5);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "BF16"})
    void causalGemma3DistillsFromItsTokenTable(GgmlType type) throws Exception {
        Path model = gemma3(type);
        Path out = dir.resolve("g.emb8");
        Distiller.distillToFile(model, out, table(), false, Emb8Format.V2);
        try (GgufFile g = GgufFile.open(model); Emb8File f = Emb8File.open(out)) {
            assertEquals("gemma3", g.getString("general.architecture", null));
            GgufTensor embd = g.tensor("token_embd.weight");
            assertEquals(type, embd.type());
            assertEquals(262_144, f.vocabSize());
            assertEquals(DIM, f.embedDim());
            assertEquals(64, f.originalDim());
            Tokenizer teacher = Tokenizer.fromGguf(g);
            assertFalse(f.tokenizer().addEos(), "a causal model's tokenizer adds no EOS");
            assertArrayEquals(teacher.encode("Hello world, <start_of_turn>"), f.tokenizer().encode("Hello world, <start_of_turn>"));
            // each stored row is the projection of the token's dequantized token_embd row, up to int8 rounding
            float[] x = new float[64];
            for (int t = 0; t < f.vocabSize(); t += 4099) {
                Dequantizer.dequantize("token_embd", embd.type(), embd.data(), t * embd.rowBytes(), x, 0, 64);
                float[] want = f.project(x), got = f.row(t);
                float scale = f.scale(t);
                for (int j = 0; j < DIM; j++) assertEquals(want[j], got[j], scale / 2 + 1e-6f, "token " + t + " [" + j + "]");
            }
        }
    }

    @Test
    void writeV1HasTheSameTablesAndReadsWithTheModelAsTokenizer() throws Exception {
        Path model = gemma3(GgmlType.F16);
        Path v2 = dir.resolve("g2.emb8"), v1 = dir.resolve("g1.emb8");
        Distiller.distillToFile(model, v2, table(), false, Emb8Format.V2);
        Distiller.distillToFile(model, v1, table(), false, Emb8Format.V1_ORIGINAL);
        long v1Size = 32 + 4 * 64 + 4L * 262_144 + 262_144L * DIM;
        assertEquals(v1Size, Files.size(v1), "header, mean, scales, rows: nothing else");
        try (StaticEmbedder a = StaticEmbedder.open(v2); StaticEmbedder b = StaticEmbedder.open(v1, TokenizerFiles.open(model))) {
            assertEquals(Emb8Format.V1_ORIGINAL, b.file().format());
            assertEquals(a.file().rows().byteSize(), b.file().rows().byteSize());
            assertEquals(-1, a.file().rows().mismatch(b.file().rows()));
            for (String s : new String[] {"", "Hello world", "static embeddings from Gemma 3's token table\n\tand more"})
                assertArrayEquals(a.embed(s), b.embed(s), s);
        }
    }

    @Test
    void contextualNeedsAnEmbeddingModel() throws Exception {
        Path model = gemma3(GgmlType.Q8_0);
        Distiller.Options contextual = table().withMethod(Distiller.Method.CONTEXTUAL);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Distiller.distillToFile(model, dir.resolve("c.emb8"), contextual));
        assertTrue(e.getMessage().contains("a causal Gemma 3 (chat) model, not an EmbeddingGemma") && e.getMessage().contains("--method table"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("c.emb8")));
    }
}
