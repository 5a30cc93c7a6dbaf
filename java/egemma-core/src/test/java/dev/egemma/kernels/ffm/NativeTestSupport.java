// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.egemma.Q8Order;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.opentest4j.AssertionFailedError;

/**
 * Loads libegemma for tests from the egemma-native classifier JAR on the test classpath (never from the CMake
 * build directory, never from java.library.path), extracted under target/. Without it a test is skipped with
 * the loader's reasons, except in CI (environment CI=true), where it fails.
 */
public final class NativeTestSupport {
    private NativeTestSupport() {}

    private static NativeLibrary library;
    private static RuntimeException failure;

    /** Whether the Q8_0 GEMM computes llama.cpp's x86 order: with {@link Q8Order#X86} on every tier but NEON. */
    public static boolean llamaCppExact(Isa tier, Q8Order order) {
        return order == Q8Order.X86 && !neon(tier);
    }

    /** Whether the Q8_0 GEMM sums in block order: with {@link Q8Order#BLOCK} on every tier, on NEON always (no x86 kernel there). */
    public static boolean blockOrder(Isa tier, Q8Order order) {
        return !llamaCppExact(tier, order); // the GEMM has these two orders only
    }

    private static boolean neon(Isa tier) {
        return tier == Isa.NEON || tier == Isa.NEON_DOTPROD;
    }

    /** Every usable tier with every Q8_0 order. */
    public static Stream<Arguments> tiersAndOrders() {
        return tiers().flatMap(t -> Arrays.stream(Q8Order.values()).map(o -> Arguments.of(t, o)));
    }

    /** Every kernel tier usable here (tests run each against the same reference; lower tiers through the cap). */
    public static Stream<Isa> tiers() {
        return requireNative().binding().caps().stream();
    }

    /** Puts the best tier back after a class that lowered the cap (later classes expect it). */
    public static void restoreBestTier() {
        EgemmaBinding b = requireNative().binding();
        b.setIsaLimit(b.caps().stream().max(Enum::compareTo).orElseThrow());
    }

    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Extraction directory of the tests: inside the module's target/, so a test run never writes to ~/.cache. */
    public static Path workdir() {
        return Path.of("target", "native-cache").toAbsolutePath();
    }

    public static synchronized NativeLibrary requireNative() {
        if (library == null && failure == null) {
            try {
                library = new NativeLibraryLoader(null, List.of(), NativeTestSupport.class.getClassLoader(), workdir(),
                        NativePlatform.current()).load();
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        if (library != null) return library;
        String msg = "libegemma is not loadable from the egemma-native classifier JAR: " + failure.getMessage();
        if (inCi()) throw new AssertionFailedError("CI=true, so this is a failure: " + msg, failure);
        assumeTrue(false, msg);
        throw new IllegalStateException("unreachable");
    }
}
