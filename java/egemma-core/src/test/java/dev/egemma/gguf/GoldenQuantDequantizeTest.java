// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

import dev.egemma.testing.TestData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The files of testdata/golden-quant, written by llama.cpp's own quantizer: every tensor of every file
 * dequantizes to finite values, and each quantized weight stays near its F16 original (a wrong bit layout
 * gives values unrelated to it). See that folder's README for what each file holds.
 */
class GoldenQuantDequantizeTest {

    private static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(TestData.file("golden-quant"))) {
            List<Path> l = s.filter(p -> p.getFileName().toString().endsWith(".gguf")).sorted().toList();
            assertTrue(l.size() >= 15, "golden-quant files: " + l);
            return l;
        }
    }

    /** The type the file is named after: q256-q3_k_m.gguf holds Q3_K tensors, q256-bf16-ollama.gguf BF16 ones. */
    private static GgmlType namedType(Path p) {
        String n = p.getFileName().toString().replace(".gguf", "").replace("-ollama", "").substring("q256-".length());
        return GgmlType.valueOf(n.replaceAll("_(m|s)$", "").toUpperCase(Locale.ROOT));
    }

    @Test
    void everyTensorOfEveryFileDequantizesNearItsF16Original() throws IOException {
        try (GgufFile ref = GgufFile.open(TestData.file("golden-quant/q256-f16.gguf"))) {
            for (Path p : files()) {
                try (GgufFile f = GgufFile.open(p)) {
                    boolean hasNamedType = false;
                    for (GgufTensor t : f.tensors().values()) {
                        assertTrue(t.hasKnownType() && Dequantizer.supports(t.type()), p + ": " + t);
                        hasNamedType |= t.type() == namedType(p);
                        float[] y = Dequantizer.all(t);
                        for (float v : y) assertTrue(Float.isFinite(v), p + ": " + t.name());
                        // Ollama's layout renames the Dense tensors; its twin's F16 has them under llama.cpp's names.
                        GgufTensor r = ref.tensor(t.name());
                        if (r == null) continue;
                        double err = relativeRms(y, Dequantizer.all(r));
                        assertTrue(err < bound(t.type()), p.getFileName() + " " + t + ": relative RMS error " + err);
                    }
                    assertTrue(hasNamedType, p + " holds no " + namedType(p) + " tensor");
                }
            }
        }
    }

    /** ||a - b|| / ||b||. */
    private static double relativeRms(float[] a, float[] b) {
        assertEquals(b.length, a.length);
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (double) (a[i] - b[i]) * (a[i] - b[i]);
            den += (double) b[i] * b[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    /**
     * About 1.5 times the error measured on these files (every tensor of a type within 3% of each other), so a
     * swapped nibble or misread scale, which gives errors near 1.4, fails: Q2_K measured 0.298, Q3_K 0.151.
     */
    private static double bound(GgmlType type) {
        return switch (type) {
            case F32, F16 -> 1e-9;
            case BF16 -> 0.003;
            case Q8_0 -> 0.008;
            case Q6_K -> 0.027;
            case Q5_0, Q5_1, Q5_K -> 0.065;
            case Q4_0, Q4_1, Q4_K, IQ4_NL, IQ4_XS -> 0.13;
            case Q3_K -> 0.23;
            case Q2_K -> 0.45;
            default -> throw new AssertionError(type);
        };
    }
}
