// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** Each way an EMB8 file can be wrong gives an {@link Emb8FormatException} naming the field and the byte. */
class Emb8ValidationTest {
    @TempDir
    Path dir;

    private byte[] seed() throws Exception {
        return TinyEmb8.bytes(dir);
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static String reject(byte[] b) {
        Emb8FormatException e = assertThrows(Emb8FormatException.class, () -> Emb8File.parse("x.emb8", MemorySegment.ofArray(b)));
        assertTrue(e.getMessage().startsWith("x.emb8: at byte "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void seedIsValidAndReadsBack() throws Exception {
        byte[] b = seed();
        try (Emb8File f = Emb8File.parse("tiny", MemorySegment.ofArray(b))) {
            assertEquals(7, f.vocabSize());
            assertEquals(3, f.embedDim());
            assertEquals(4, f.originalDim());
            assertArrayEquals(TinyEmb8.distilled().mean(), f.mean());
            assertArrayEquals(TinyEmb8.distilled().components(), f.components());
            assertEquals(4, f.tokenizer().tokenId("▁Hello"));
            // project: components (x - mean)
            float[] p = f.project(new float[] {1.5f, 0.75f, 1, 1});
            assertArrayEquals(new float[] {1, 0.6f + 0.8f, -0.8f + 0.6f}, p, 1e-6f);
        }
        assertEquals(0x38424D45, le(b).getInt(0));
        assertEquals("EMB8", new String(b, 0, 4, java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void header() throws Exception {
        byte[] b = seed();
        assertTrue(reject(Arrays.copyOf(b, 0)).contains("header: truncated: the header needs 32 bytes, the file has 0"));
        assertTrue(reject(Arrays.copyOf(b, 31)).contains("header: truncated"));
        byte[] m = b.clone();
        m[0] = 'G';
        assertTrue(reject(m).contains("at byte 0, magic: expected \"EMB8\""));
        m = b.clone();
        le(m).putInt(4, 3);
        assertTrue(reject(m).contains("at byte 4, version: unsupported version 3 (this reader knows 1 and 2)"));
        m = b.clone();
        le(m).putInt(8, 0);
        assertTrue(reject(m).contains("at byte 8, vocab_size: 0 is outside"));
        m = b.clone();
        le(m).putInt(12, 5);
        assertTrue(reject(m).contains("at byte 12, embed_dim: 5 is outside 1..original_dim (4)"));
        m = b.clone();
        le(m).putInt(16, -1);
        assertTrue(reject(m).contains("at byte 16, original_dim: 4294967295 is outside"));
        m = b.clone();
        m[27] = 1;
        assertTrue(reject(m).contains("at byte 24, reserved: must be zero"));
    }

    @Test
    void sizesAreCheckedAgainstTheFileLength() throws Exception {
        byte[] b = seed();
        byte[] m = b.clone();
        le(m).putInt(8, 1 << 30); // a vocabulary far larger than the file
        String msg = reject(m);
        assertTrue(msg.contains("tables: truncated: vocab_size 1073741824, embed_dim 3 and original_dim 4 need"), msg);
        int tables = 32 + 16 + 48 + 28 + 21;
        msg = reject(Arrays.copyOf(b, tables - 1));
        assertTrue(msg.contains("need " + tables + " bytes before the tokenizer, the file has " + (tables - 1)), msg);
        msg = reject(Arrays.copyOf(b, tables)); // tables complete, no tokenizer
        assertTrue(msg.contains("at byte " + tables + ", tokenizer: not a valid GGUF image"), msg);
        msg = reject(Arrays.copyOf(b, b.length - 40)); // into the GGUF metadata (the last bytes may be padding)
        assertTrue(msg.contains("tokenizer: not a valid GGUF image"), msg);
    }

    @Test
    void valuesMustBeFinite() throws Exception {
        byte[] b = seed();
        byte[] m = b.clone();
        le(m).putFloat(32 + 16 + 48 + 4 * 2, Float.NaN);
        assertTrue(reject(m).contains("at byte " + (32 + 16 + 48 + 8) + ", scales[2]: must be in 0..1.8446744E19, found NaN"));
        m = b.clone();
        le(m).putFloat(32 + 16 + 48, -1f);
        assertTrue(reject(m).contains("scales[0]: must be in 0..1.8446744E19, found -1.0"));
        m = b.clone();
        le(m).putFloat(32 + 4, Float.POSITIVE_INFINITY);
        assertTrue(reject(m).contains("at byte 36, mean[1]: must be in -1.8446744E19..1.8446744E19, found Infinity"));
        m = b.clone();
        le(m).putFloat(32 + 16 + 4 * 5, Float.NaN);
        assertTrue(reject(m).contains("at byte 68, components[5]: must be in -1.001..1.001, found NaN"));
    }

    @Test
    void componentsAreUnitVectors() throws Exception {
        byte[] m = seed();
        le(m).putFloat(32 + 16, 1.5f);
        assertTrue(reject(m).contains("at byte 48, components[0]: must be in -1.001..1.001, found 1.5"));
        le(m).putFloat(32 + 16, 1e20f);
        le(m).putFloat(32 + 16 + 48, 1e20f);
        assertTrue(reject(m).contains("components[0]"));
    }

    @Test
    void tokenizerMustMatchTheTable() throws Exception {
        Path p = dir.resolve("other.emb8");
        var keys = TinyEmb8.tokenizerKeys();
        keys.put("tokenizer.ggml.tokens", dev.egemma.gguf.GgufValue.array(dev.egemma.gguf.GgufValueType.STRING, Arrays.copyOf(TinyEmb8.TOKENS, 6)));
        keys.put("tokenizer.ggml.scores", dev.egemma.gguf.GgufValue.array(dev.egemma.gguf.GgufValueType.FLOAT32, new float[6]));
        keys.put("tokenizer.ggml.token_type", dev.egemma.gguf.GgufValue.array(dev.egemma.gguf.GgufValueType.INT32, new int[] {3, 3, 3, 2, 1, 1}));
        Emb8Writer.write(p, TinyEmb8.distilled(), keys);
        assertTrue(reject(Files.readAllBytes(p)).contains("tokenizer: has 6 tokens but vocab_size is 7"));

        keys = TinyEmb8.tokenizerKeys();
        keys.put("tokenizer.ggml.model", dev.egemma.gguf.GgufValue.of(dev.egemma.gguf.GgufValueType.STRING, "gpt2"));
        Emb8Writer.write(p, TinyEmb8.distilled(), keys);
        assertTrue(reject(Files.readAllBytes(p)).contains("only \"llama\""));
    }

    @Test
    void openNamesTheFile() throws Exception {
        Path p = dir.resolve("empty.emb8");
        Files.write(p, new byte[0]);
        Emb8FormatException e = assertThrows(Emb8FormatException.class, () -> Emb8File.open(p));
        assertTrue(e.getMessage().startsWith(p + ": at byte 0, header"), e.getMessage());
        assertFalse(Emb8File.looksLikeEmb8(p));
        Path good = dir.resolve("tiny.emb8");
        Files.write(good, seed());
        assertTrue(Emb8File.looksLikeEmb8(good));
        assertFalse(Emb8File.looksLikeEmb8(dev.egemma.testing.TestData.file("golden/small-f32.gguf")));
    }
}
