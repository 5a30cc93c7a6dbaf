// SPDX-License-Identifier: Apache-2.0
package dev.egemma.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates files under the repository's {@code testdata/} (never {@code ../shared}). */
public final class TestData {
    private TestData() {}

    public static Path dir() {
        String p = System.getProperty("egemma.testdata");
        Path d = p != null ? Path.of(p) : findUp();
        if (!Files.isDirectory(d)) throw new IllegalStateException("testdata directory not found: " + d);
        return d;
    }

    public static Path file(String relative) {
        Path f = dir().resolve(relative);
        if (!Files.exists(f)) throw new IllegalStateException("missing test file " + f);
        return f;
    }

    private static Path findUp() {
        Path d = Path.of("").toAbsolutePath();
        while (d != null && !Files.isDirectory(d.resolve("testdata"))) d = d.getParent();
        return d == null ? Path.of("testdata") : d.resolve("testdata");
    }
}
