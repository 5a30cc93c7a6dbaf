// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import dev.egemma.gguf.GgufFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuantizeCommandTest {
    @TempDir
    Path tmp;

    @Test
    void quantizesToQ8LikeLlamaCpp() throws Exception {
        Path out = tmp.resolve("q8.gguf");
        CliTestSupport.Result r = CliTestSupport.run("quantize", CliTestSupport.testdata("golden/small-dense-f32.gguf").toString(), out.toString(), "--type", "q8_0");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("converted"), r.err());
        try (GgufFile got = GgufFile.open(out); GgufFile ref = GgufFile.open(CliTestSupport.testdata("golden/small-dense-q8_0.gguf"))) {
            assertEquals(7, got.getInt("general.file_type"));
            for (String name : ref.tensors().keySet())
                assertArrayEquals(ref.tensor(name).data().toArray(ValueLayout.JAVA_BYTE), got.tensor(name).data().toArray(ValueLayout.JAVA_BYTE), name);
        }
    }

    @Test
    void errorsAreMessagesNotStackTraces() throws Exception {
        String in = CliTestSupport.testdata("golden/small-dense-q8_0.gguf").toString();
        CliTestSupport.Result bad = CliTestSupport.run("quantize", in, tmp.resolve("x.gguf").toString(), "--type", "q4_k");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("valid types: q8_0, f16, bf16, f32"), bad.err());

        Path copy = tmp.resolve("in.gguf");
        Files.copy(Path.of(in), copy);
        CliTestSupport.Result same = CliTestSupport.run("quantize", copy.toString(), copy.toString(), "--type", "f16");
        assertEquals(1, same.exit());
        assertTrue(same.err().contains("is the input file"), same.err());

        Path junk = tmp.resolve("junk.gguf");
        Files.writeString(junk, "not a gguf at all");
        CliTestSupport.Result notGguf = CliTestSupport.run("quantize", junk.toString(), tmp.resolve("y.gguf").toString(), "--type", "f16");
        assertEquals(1, notGguf.exit());
        assertTrue(notGguf.err().contains("not a valid GGUF"), notGguf.err());
        assertTrue(!notGguf.err().contains("\tat "), notGguf.err());

        CliTestSupport.Result missing = CliTestSupport.run("quantize", tmp.resolve("nope.gguf").toString(), tmp.resolve("z.gguf").toString(), "--type", "f16");
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("no such file"), missing.err());
    }
}
