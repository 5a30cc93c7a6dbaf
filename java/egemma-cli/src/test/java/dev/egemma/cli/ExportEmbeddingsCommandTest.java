// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ExportEmbeddingsCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesTheTableAsNpy() throws Exception {
        Path model = CliTestSupport.testdata("golden/small-f32.gguf");
        Path out = dir.resolve("e.npy");
        CliTestSupport.Result r = CliTestSupport.run("export-embeddings", "-m", model.toString(), "-o", out.toString());
        assertEquals(0, r.exit(), r.err());
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals((byte) 0x93, b.get(0));
        assertEquals("NUMPY", new String(b.array(), 1, 5, StandardCharsets.US_ASCII));
        int headerLen = b.getShort(8);
        String header = new String(b.array(), 10, headerLen, StandardCharsets.US_ASCII);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (16384, 64), }"), header);
        assertEquals(0, (10 + headerLen) % 64);
        assertEquals(10 + headerLen + 16384L * 64 * 4, Files.size(out));
        try (GgufFile f = GgufFile.open(model)) {
            GgufTensor t = f.tensor("token_embd.weight");
            ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 16384 * 64; i += 997) assertEquals(t.data().get(f32, 4L * i), b.getFloat(10 + headerLen + 4 * i), "element " + i);
        }
    }

    @Test
    void quantizedTableIsDequantized() throws Exception {
        Path out = dir.resolve("q.npy");
        CliTestSupport.Result r = CliTestSupport.run("export-embeddings", "-m", CliTestSupport.testdata("golden/small-dense-q8_0.gguf").toString(), "-o", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("16384 x 64 float32"), r.err());
        ByteBuffer q = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        int off = 10 + q.getShort(8);
        assertEquals(off + 16384L * 64 * 4, Files.size(out));
        // against the F32 model the Q8_0 one was quantized from: per 32-value block, within half a step d = max/127,
        // plus the fp16 rounding of d times |q| <= 127 (2^-11 relative): 0.5 d + 127 d 2^-11 < 0.57 d
        try (GgufFile f = GgufFile.open(CliTestSupport.testdata("golden/small-dense-f32.gguf"))) {
            GgufTensor t = f.tensor("token_embd.weight");
            ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            for (int block = 0; block < 16384 * 64 / 32; block += 7) {
                float max = 0;
                for (int i = 0; i < 32; i++) max = Math.max(max, Math.abs(t.data().get(f32, 4L * (block * 32 + i))));
                for (int i = 0; i < 32; i++) {
                    int e = block * 32 + i;
                    assertEquals(t.data().get(f32, 4L * e), q.getFloat(off + 4 * e), 0.57 * max / 127, "element " + e);
                }
            }
        }
    }

    /** A causal gemma3 model's table, as the prep tool exports Gemma 3 270M's: BF16 widens to float32 exactly. */
    @Test
    void gemma3TableAsStored() throws Exception {
        Path model = dir.resolve("g.gguf"), out = dir.resolve("g.npy");
        assertEquals(0, CliTestSupport.run("synth", "--preset", "gemma3-tiny", "--type", "bf16", "-o", model.toString(),
                "--vocab", CliTestSupport.testdata("embeddinggemma-vocab.gguf").toString()).exit());
        CliTestSupport.Result r = CliTestSupport.run("export-embeddings", "-m", model.toString(), "-o", out.toString());
        assertEquals(0, r.exit(), r.err());
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        int off = 10 + b.getShort(8);
        assertTrue(new String(b.array(), 10, off - 10, StandardCharsets.US_ASCII).contains("'shape': (262144, 64)"));
        assertEquals(off + 262_144L * 64 * 4, Files.size(out));
        try (GgufFile f = GgufFile.open(model)) {
            GgufTensor t = f.tensor("token_embd.weight");
            ValueLayout.OfShort bf16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < 262_144L * 64; i += 9973)
                assertEquals(Float.intBitsToFloat(t.data().get(bf16, 2 * i) << 16), b.getFloat(off + (int) (4 * i)), "element " + i);
        }
    }

    @Test
    void missingTable() throws Exception {
        Path out = dir.resolve("v.npy");
        CliTestSupport.Result r = CliTestSupport.run("export-embeddings", "-m", CliTestSupport.testdata("embeddinggemma-vocab.gguf").toString(), "-o", out.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("has no token_embd.weight tensor"), r.err());
    }
}
