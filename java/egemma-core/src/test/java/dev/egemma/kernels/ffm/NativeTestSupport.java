package dev.egemma.kernels.ffm;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
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

    /** The tiers in llama.cpp's x86 order: all but NEON, and AMX only while EGEMMA_FAST_AMX is not 1. */
    public static boolean llamaCppExact(Isa tier) {
        return switch (tier) {
            case SCALAR, AVX2, AVX512 -> true;
            case AMX -> !"1".equals(System.getenv("EGEMMA_FAST_AMX"));
            default -> false;
        };
    }

    /** Every kernel tier usable here (tests run each against the same reference; lower tiers through the cap). */
    public static java.util.stream.Stream<Isa> tiers() {
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
