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

    static Path testdata(String relative) {
        String d = System.getProperty("egemma.testdata");
        Path p = (d != null ? Path.of(d) : Path.of("../../testdata")).resolve(relative);
        if (!Files.exists(p)) throw new IllegalStateException("missing test file " + p);
        return p;
    }
}
