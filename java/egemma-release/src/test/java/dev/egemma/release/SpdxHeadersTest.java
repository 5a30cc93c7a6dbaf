// SPDX-License-Identifier: Apache-2.0
package dev.egemma.release;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every Java and C source of the repository (outside build output) opens with its SPDX license line, so that a file
 * copied out of the tree still says it is Apache-2.0 (issue 31). The tree is the reactor's root.
 */
class SpdxHeadersTest {
    static final String JAVA = "// SPDX-License-Identifier: Apache-2.0", C = "/* SPDX-License-Identifier: Apache-2.0 */";

    /** The sources under {@code root} whose first line is not their SPDX line. */
    static List<Path> withoutHeader(Path root) throws IOException {
        List<Path> missing = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                Path rel = root.relativize(p);
                if (rel.toString().contains("target") && (rel.startsWith("target") || rel.toString().contains("/target/"))) continue;
                if (rel.startsWith(".git") || rel.startsWith("shared")) continue;
                String name = p.getFileName().toString();
                String want = name.endsWith(".java") ? JAVA : name.endsWith(".c") || name.endsWith(".h") ? C : null;
                if (want == null) continue;
                try (var lines = Files.lines(p, StandardCharsets.UTF_8)) {
                    if (!lines.findFirst().orElse("").equals(want)) missing.add(rel);
                }
            }
        }
        return missing;
    }

    @Test
    void everySourceFileOpensWithItsLicenseLine() throws IOException {
        Path root = Path.of(System.getProperty("egemma.root", "../..")).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(root.resolve("LICENSE")) && Files.isRegularFile(root.resolve("java/egemma-core/src/main/java/dev/egemma/Embedder.java")),
                "the repository root: " + root);
        List<Path> missing = withoutHeader(root);
        assertEquals(List.of(), missing, "sources without '" + JAVA + "' or '" + C + "' as their first line");
    }

    @Test
    void aFileWithoutTheLineIsFound(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("Good.java"), JAVA + "\nclass Good {}\n");
        Files.writeString(dir.resolve("good.h"), C + "\n");
        Files.writeString(dir.resolve("Bad.java"), "class Bad {} // " + JAVA + "\n");
        Files.writeString(dir.resolve("bad.c"), JAVA + "\n");
        Files.createDirectories(dir.resolve("target"));
        Files.writeString(dir.resolve("target/Built.java"), "class Built {}\n");
        assertEquals(List.of(Path.of("Bad.java"), Path.of("bad.c")), withoutHeader(dir).stream().sorted().toList());
    }
}
