// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process-wide choice, in fresh JVMs whose classpath has no egemma-native JAR and whose java.library.path is
 * empty: {@code -Degemma.backend=java} just works, {@code auto} falls back with one warning naming every path,
 * {@code native} fails with that list.
 */
class BackendsForkedJvmTest {

    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {}

    private Result run(String... props) throws IOException, InterruptedException {
        String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.contains("egemma-native"))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
                "-Djava.library.path=" + tmp.resolve("no-libs"), "-Degemma.native.workdir=" + tmp.resolve("cache"),
                "-cp", cp));
        cmd.addAll(List.of(props));
        cmd.add(BackendsProbe.class.getName());
        Process p = new ProcessBuilder(cmd).redirectOutput(tmp.resolve("out.txt").toFile())
                .redirectError(tmp.resolve("err.txt").toFile()).start();
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "forked JVM did not finish");
        return new Result(p.exitValue(), java.nio.file.Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8),
                java.nio.file.Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
    }

    @Test
    void javaBackendRunsWithoutANativeLibrary() throws Exception {
        Result r = run("-Degemma.backend=java");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("backend=JAVA nativeAvailable=false dot="), r.out());
        assertFalse(r.err().contains("egemma:"), "no warning when java is chosen: " + r.err());
    }

    @Test
    void autoWarnsOnceNamingEveryPathThenUsesJava() throws Exception {
        Result r = run("-Degemma.backend=auto");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("backend=JAVA"), r.out());
        assertEquals(1, r.err().split("WARNING: egemma:", -1).length - 1, r.err());
        assertTrue(r.err().contains(tmp.resolve("no-libs").toString()) && r.err().contains("not on the classpath"), r.err());
    }

    @Test
    void nativeFailsFast() throws Exception {
        Result r = run("-Degemma.backend=native");
        assertEquals(3, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("egemma.backend=native") && r.err().contains("META-INF/native/"), r.err());
    }

    @Test
    void badNativePathGivesTheClearMessage() throws Exception {
        Path bad = tmp.resolve("missing").resolve("libegemma.so");
        Result r = run("-Degemma.native.path=" + bad);
        assertEquals(3, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("-Degemma.native.path=" + bad) && r.err().contains("no such file"), r.err());
    }
}
