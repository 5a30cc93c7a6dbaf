// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.egemma.Q8Order;
import dev.egemma.kernels.ffm.Isa;
import dev.egemma.kernels.ffm.NativeTestSupport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code -Degemma.q8Order} / {@code EGEMMA_Q8_ORDER} reach the kernel sets {@link Backends#newKernels} makes, in fresh
 * JVMs (the setting is read once per process) with this test's classpath, egemma-native JAR included.
 */
class Q8OrderForkedJvmTest {

    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {}

    @BeforeEach
    void needsTheLibrary() {
        NativeTestSupport.requireNative(); // skips (fails in CI) without the egemma-native JAR, as the forked JVM would
    }

    /** The probe with {@code EGEMMA_Q8_ORDER} set to {@code env} (null: unset, whatever this JVM has) and {@code props}. */
    private Result run(String env, String... props) throws IOException, InterruptedException {
        return run(env, List.of(), props);
    }

    /** As {@link #run(String, String...)}, the probe given {@code args} (an explicit order). */
    private Result run(String env, List<String> args, String... props) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
                "-Degemma.native.workdir=" + tmp.resolve("cache"), "-cp", System.getProperty("java.class.path")));
        cmd.addAll(List.of(props));
        cmd.add(Q8OrderProbe.class.getName());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
        pb.environment().remove(Backends.ENV_Q8_ORDER);
        if (env != null) pb.environment().put(Backends.ENV_Q8_ORDER, env);
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "forked JVM did not finish");
        return new Result(p.exitValue(), Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8),
                Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
    }

    /** The probe ran, the order is {@code order} and both kernel sets' names say so (native: unless NEON runs the block order anyway). */
    private static void assertKernels(Result r, String order) {
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("q8Order=" + order + " kernels=native-"), r.out());
        Q8Order o = Q8Order.valueOf(order);
        Isa tier = Isa.byName(r.out().substring(r.out().indexOf(" tier=") + 6).strip());
        String nativeName = r.out().substring(r.out().indexOf("kernels=") + 8, r.out().indexOf(" java="));
        String javaName = r.out().substring(r.out().indexOf(" java=") + 6, r.out().indexOf(" tier="));
        assertEquals(NativeTestSupport.llamaCppExact(tier, o), nativeName.endsWith("-x86"), r.out());
        assertTrue(javaName.startsWith("java-"), r.out());
        assertEquals(o == Q8Order.X86, javaName.endsWith("-x86"), r.out());
    }

    @Test
    void blockUnlessAsked() throws Exception {
        assertKernels(run(null), "BLOCK");
    }

    @Test
    void thePropertySelectsTheLlamaCppX86OrderByItsNameOrItsOldOne() throws Exception {
        assertKernels(run(null, "-Degemma.q8Order=llamacpp-x86"), "X86");
        assertKernels(run(null, "-Degemma.q8Order=x86"), "X86");
        assertKernels(run(null, "-Degemma.q8Order=block"), "BLOCK");
    }

    @Test
    void theEnvironmentSelectsItWhenThePropertyIsUnset() throws Exception {
        assertKernels(run("llamacpp-x86"), "X86");
        assertKernels(run("x86"), "X86");
        assertKernels(run("x86", "-Degemma.q8Order=block"), "BLOCK");
    }

    @Test
    void anExplicitOrderWinsOverTheProcessSettingsAndIgnoresABadOne() throws Exception {
        assertKernels(run("x86", List.of("block"), "-Degemma.q8Order=x86"), "BLOCK");
        assertKernels(run(null, List.of("llamacpp-x86")), "X86");
        assertKernels(run("fast", List.of("x86"), "-Degemma.q8Order=fast"), "X86"); // the default is never read
    }

    @Test
    void aBadValueFailsBothBackendsNamingTheSetting() throws Exception {
        Result r = run(null, "-Degemma.q8Order=fast");
        assertEquals(3, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("-Degemma.q8Order=fast is not one of block, llamacpp-x86 (or x86)"), r.err());
        Result e = run("fast");
        assertEquals(3, e.exit(), e.out() + e.err());
        assertTrue(e.err().contains("EGEMMA_Q8_ORDER=fast is not one of block, llamacpp-x86 (or x86)"), e.err());
    }
}
