// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.egemma.kernels.Backends;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs {@link Main#run} with stdout and stderr captured. */
final class CliTestSupport {
    record Result(int exit, String out, String err) {}

    private CliTestSupport() {}

    static synchronized Result run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = Main.run(args);
            return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Skips the test, or fails it in CI (CI=true), when libegemma does not load from the CLI classpath (its egemma-native JAR). */
    static void requireNative() {
        if (Backends.nativeAvailable()) return;
        String msg = "libegemma unavailable: " + Backends.unavailabilityCause().orElse("?");
        if ("true".equalsIgnoreCase(System.getenv("CI"))) fail("CI=true, so this is a failure: " + msg);
        assumeTrue(false, msg);
    }

    /**
     * {@code base} edited by {@code edit}, written to {@code dir/model.gguf}, then {@code egemma embed -m} it: checks exit 1,
     * nothing on stdout and one line on stderr starting {@code egemma embed: }; returns that line.
     */
    static String embedFailure(Path base, Path dir, java.util.function.Consumer<dev.egemma.gguf.GgufWriter> edit) throws java.io.IOException {
        Path model = dir.resolve("model.gguf");
        try (dev.egemma.gguf.GgufFile f = dev.egemma.gguf.GgufFile.open(base)) {
            dev.egemma.gguf.GgufWriter w = dev.egemma.gguf.GgufWriter.copyOf(f);
            edit.accept(w);
            w.write(model);
        }
        Result r = run("embed", "-m", model.toString(), "--backend", "java", "hello");
        org.junit.jupiter.api.Assertions.assertEquals(1, r.exit(), r.err());
        org.junit.jupiter.api.Assertions.assertEquals("", r.out());
        String line = r.err().strip();
        org.junit.jupiter.api.Assertions.assertFalse(line.contains("\n"), r.err());
        org.junit.jupiter.api.Assertions.assertTrue(line.startsWith("egemma embed: "), line);
        return line;
    }

    static Path testdata(String relative) {
        String d = System.getProperty("egemma.testdata");
        Path p = (d != null ? Path.of(d) : Path.of("../../testdata")).resolve(relative);
        if (!Files.exists(p)) throw new IllegalStateException("missing test file " + p);
        return p;
    }
}
