// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

import dev.egemma.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuantizeTest {
    @TempDir
    Path tmp;

    private static byte[] bytes(GgufTensor t) {
        return t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    @Test
    void f32ToQ8MatchesLlamaCppQuantizedFileTensorForTensor() throws Exception {
        Path out = tmp.resolve("q8.gguf");
        Quantize.Summary s = Quantize.run(TestData.file("golden/small-dense-f32.gguf"), out, Quantize.Target.Q8_0);
        assertTrue(s.converted() > 0 && s.copied() > 0, s.toString());
        try (GgufFile got = GgufFile.open(out); GgufFile ref = GgufFile.open(TestData.file("golden/small-dense-q8_0.gguf"))) {
            assertEquals(ref.tensors().keySet(), got.tensors().keySet());
            for (GgufTensor r : ref.tensors().values()) {
                GgufTensor g = got.tensor(r.name());
                assertEquals(r.type(), g.type(), r.name());
                assertArrayEquals(r.shape(), g.shape(), r.name());
                assertArrayEquals(bytes(r), bytes(g), r.name() + ": bytes differ from llama.cpp's Q8_0 file");
            }
            assertEquals(7, got.getInt("general.file_type"));
            assertEquals(ref.getInt("general.file_type"), got.getInt("general.file_type"));
        }
    }

    @Test
    void metadataIsPreservedExceptFileType() throws Exception {
        Path in = TestData.file("golden/small-dense-f32.gguf"), out = tmp.resolve("f16.gguf");
        Quantize.run(in, out, Quantize.Target.F16);
        try (GgufFile src = GgufFile.open(in); GgufFile got = GgufFile.open(out)) {
            Set<String> keys = new HashSet<>(src.metadata().keySet());
            keys.add("general.file_type");
            assertEquals(keys, got.metadata().keySet());
            for (String k : src.metadata().keySet()) {
                if (k.equals("general.file_type")) continue;
                assertTrue(src.value(k).contentEquals(got.value(k)), k);
            }
            assertEquals(1, got.getInt("general.file_type"));
        }
    }

    @Test
    void halfTypesConvertMatricesOnlyElementForElement() throws Exception {
        Path in = TestData.file("golden/small-dense-f32.gguf");
        for (Quantize.Target target : new Quantize.Target[] {Quantize.Target.F16, Quantize.Target.BF16}) {
            Path out = tmp.resolve(target + ".gguf");
            Quantize.run(in, out, target);
            try (GgufFile src = GgufFile.open(in); GgufFile got = GgufFile.open(out)) {
                for (GgufTensor t : src.tensors().values()) {
                    GgufTensor g = got.tensor(t.name());
                    if (t.shape().length == 1) {
                        assertEquals(GgmlType.F32, g.type(), t.name() + " (a norm) must stay F32");
                        assertArrayEquals(bytes(t), bytes(g), t.name());
                        continue;
                    }
                    assertEquals(target.type, g.type(), t.name());
                    float[] x = Dequantizer.all(t);
                    for (int i = 0; i < x.length; i++) {
                        short want = target == Quantize.Target.F16 ? Half.f32ToF16(x[i]) : Half.f32ToBf16(x[i]);
                        short have = g.data().get(GgufCursor.I16, 2L * i);
                        if (want != have) throw new AssertionError(t.name() + "[" + i + "]: " + have + " != " + want);
                    }
                }
                assertEquals(target.fileType, got.getInt("general.file_type"));
            }
        }
    }

    @Test
    void q8BackToF32GivesTheDequantizedValues() throws Exception {
        Path in = TestData.file("golden/small-dense-q8_0.gguf"), out = tmp.resolve("f32.gguf");
        Quantize.run(in, out, Quantize.Target.F32);
        try (GgufFile src = GgufFile.open(in); GgufFile got = GgufFile.open(out)) {
            GgufTensor t = src.tensor("token_embd.weight"), g = got.tensor("token_embd.weight");
            assertEquals(GgmlType.F32, g.type());
            assertArrayEquals(Dequantizer.all(t), Dequantizer.all(g));
            assertEquals(0, got.getInt("general.file_type"));
        }
    }

    @Test
    void refusesToOverwriteItsInputAndUnknownTypes() throws Exception {
        Path copy = tmp.resolve("in.gguf");
        Files.copy(TestData.file("golden/small-dense-q8_0.gguf"), copy);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Quantize.run(copy, copy, Quantize.Target.F16));
        assertTrue(e.getMessage().contains("input"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Quantize.Target.parse("q4_k"));
        assertTrue(e.getMessage().contains("q8_0"), e.getMessage());
        assertEquals(Quantize.Target.BF16, Quantize.Target.parse("BF16"));
    }
}
