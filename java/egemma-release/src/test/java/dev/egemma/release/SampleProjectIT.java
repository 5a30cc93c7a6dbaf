// SPDX-License-Identifier: Apache-2.0
package dev.egemma.release;

import dev.egemma.Backend;
import dev.egemma.Embedder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A user's project outside the repository: a POM that imports egemma-bom from the staging directory and declares
 * egemma-core and egemma-native (its classifier from the README's platform profiles) without versions, a module-info and five lines that
 * embed a text. Maven builds it with an empty local repository, plugins from this build's repository and egemma only
 * from target/staging; then it runs on the class path and on the module path and must print the vector this build's
 * library computes for the same text.
 */
class SampleProjectIT {
    static final Path MODEL = Path.of(System.getProperty("egemma.testdata"), "golden", "small-dense-q8_0.gguf");
    static final String TEXT = "The quick brown fox jumps over the lazy dog";

    @TempDir
    static Path dir;
    static Path classes;
    static Path core;
    static Path nativeJar;

    @BeforeAll
    static void buildTheSampleAgainstTheStagedArtifacts() throws Exception {
        Path project = dir.resolve("sample");
        Path repo = dir.resolve("repo");
        Files.createDirectories(project.resolve("src/main/java/sample"));
        Files.writeString(project.resolve("pom.xml"), SampleProject.pom(StagedArtifactsIT.STAGING, System.getProperty("egemma.version")));
        Files.writeString(project.resolve("src/main/java/module-info.java"), SampleProject.MODULE_INFO);
        Files.writeString(project.resolve("src/main/java/sample/Main.java"), SampleProject.MAIN);
        Files.writeString(dir.resolve("settings.xml"), SampleProject.settings(Path.of(System.getProperty("egemma.localRepository"))));
        // test-compile: the runtime-scoped native JAR is resolved too, with the compiler and resources plugins only
        run(project, Path.of(System.getProperty("maven.home"), "bin", "mvn").toString(), "-B", "-q",
                "-s", dir.resolve("settings.xml").toString(), "-Dmaven.repo.local=" + repo, "test-compile");
        classes = project.resolve("target/classes");
        // the fresh repository holds egemma only as the BOM resolved it from the staging directory
        core = onlyJar(repo.resolve("dev/egemma/egemma-core"), "");
        nativeJar = onlyJar(repo.resolve("dev/egemma/egemma-native"), "-" + System.getProperty("egemma.nativeClassifier"));
    }

    @Test
    void embedsOnTheClassPath() throws Exception {
        Output r = run(dir, java(), "--enable-native-access=ALL-UNNAMED",
                "-cp", classes + ":" + core + ":" + nativeJar, "sample.Main", MODEL.toString(), TEXT);
        assertNoWarnings(r);
        assertEquals(reference(), r.out());
    }

    @Test
    void embedsOnTheModulePath() throws Exception {
        Output r = run(dir, java(), "--enable-native-access=dev.egemma.core", modulePath(), "--add-modules", "dev.egemma.nativelib",
                "-m", "sample/sample.Main", MODEL.toString(), TEXT);
        assertNoWarnings(r);
        assertEquals(reference(), r.out());
    }

    /** {@code requires static jdk.incubator.vector}: the module reads the Vector API once the run adds it. */
    @Test
    void theJavaBackendOnTheModulePathUsesTheVectorApiWhenTheRunAddsIt() throws Exception {
        Output r = run(dir, java(), "--add-modules", "jdk.incubator.vector", "-Degemma.backend=java", modulePath(),
                "-m", "sample/sample.Main", MODEL.toString(), TEXT);
        assertTrue(r.out().startsWith("java-vector-"), r.out());
        assertClose(reference(), r.out());
    }

    /** Without it, the Java backend falls back to plain Java kernels with one warning, and no incubator is loaded. */
    @Test
    void theJavaBackendOnTheModulePathFallsBackWithoutTheVectorApi() throws Exception {
        Output r = run(dir, java(), "-Degemma.backend=java", modulePath(), "-m", "sample/sample.Main", MODEL.toString(), TEXT);
        assertTrue(r.out().startsWith("java-scalar"), r.out());
        assertTrue(r.err().contains("jdk.incubator.vector is not enabled"), r.err());
        assertFalse(r.err().contains("Using incubator modules"), r.err());
        assertClose(reference(), r.out());
    }

    /**
     * What the sample must print: the native kernels' name (the staged native JAR was found and loaded) and the
     * vector the reactor's own egemma-core computes for {@link #TEXT} with them.
     */
    static String reference() throws IOException {
        try (Embedder e = Embedder.open(MODEL, Embedder.Options.defaults().withBackend(Backend.NATIVE))) {
            return e.backendName() + "\n" + SampleProject.format(e.embed(TEXT)) + "\n";
        }
    }

    /** Same vector within float noise: other kernels, same model and text. */
    static void assertClose(String expected, String actual) {
        float[] e = vector(expected);
        float[] a = vector(actual);
        assertEquals(e.length, a.length);
        for (int i = 0; i < e.length; i++) assertEquals(e[i], a[i], 1e-4f, "component " + i);
    }

    static float[] vector(String printed) {
        String[] parts = printed.lines().toList().get(1).trim().split(" ");
        float[] v = new float[parts.length];
        for (int i = 0; i < v.length; i++) v[i] = Float.parseFloat(parts[i]);
        return v;
    }

    static String modulePath() {
        return "--module-path=" + classes + ":" + core + ":" + nativeJar;
    }

    static Path onlyJar(Path artifactDir, String classifier) throws IOException {
        try (var s = Files.walk(artifactDir)) {
            List<Path> jars = s.filter(p -> p.getFileName().toString().endsWith(classifier + ".jar")
                    && !p.getFileName().toString().matches(".*-(sources|javadoc)\\.jar")
                    && (!classifier.isEmpty() || !p.getFileName().toString().matches(".*-[a-z]+-[a-z0-9_]+\\.jar"))).toList();
            assertFalse(jars.isEmpty(), "the sample build did not resolve a JAR under " + artifactDir);
            return jars.getFirst();
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    record Output(String out, String err) {}

    /** No "restricted method" warning (native access went to the right module) and no incubator warning. */
    static void assertNoWarnings(Output r) {
        assertFalse(r.err().contains("WARNING"), r.err());
    }

    /** Runs {@code command} in {@code cwd}; fails on a non-zero exit. */
    static Output run(Path cwd, String... command) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), () -> "timed out: " + String.join(" ", command));
        Output r = new Output(Files.readString(out), Files.readString(err));
        assertEquals(0, p.exitValue(), () -> String.join(" ", command) + "\n" + r.out() + r.err());
        return r;
    }
}
