// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.egemma.kernels.Q8Blocks;
import dev.egemma.kernels.Q8Blocks.Fill;
import dev.egemma.kernels.java.Q8Dot;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.URL;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * libegemma's Q8_0 dot, every usable tier (forced through egemma_set_isa_limit), against the Java scalar
 * reference on 1..300 blocks and the boundary fills. Tolerance: {@link Q8Blocks} (derived there). The scalar tier
 * must equal Java's bit for bit (same operations, no FMA contraction in C).
 */
class Q8DotNativeParityTest {

    @AfterAll
    static void restoreBestTier() {
        NativeTestSupport.restoreBestTier();
    }

    @Test
    void libraryComesFromTheClassifierJar() {
        NativeLibrary lib = NativeTestSupport.requireNative();
        assertEquals(LoadAttempt.Source.CLASSPATH, lib.source());
        NativePlatform p = NativePlatform.current();
        URL url = getClass().getClassLoader().getResource(p.resourceDirectory() + p.libraryFileName());
        assertTrue(url != null && url.getProtocol().equals("jar")
                        && url.getPath().contains("egemma-native-") && url.getPath().contains("-" + p.classifier() + ".jar!"),
                "the library resource must come from egemma-native-<version>-" + p.classifier() + ".jar, not " + url
                        + " (run the tests through `./mvnw verify`, which packages the native JAR first)");
        assertTrue(lib.path().startsWith(NativeTestSupport.workdir()), lib.path().toString());
        assertTrue(lib.binding().caps().contains(Isa.SCALAR));
        assertEquals(EgemmaBinding.ABI_VERSION, lib.binding().abiVersion());
    }

    @ParameterizedTest
    @MethodSource("dev.egemma.kernels.ffm.NativeTestSupport#tiers")
    void everySizeFrom1To300AgreesWithJava(Isa tier) {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        assertEquals(tier, b.setIsaLimit(tier));
        assertEquals(tier, b.activeIsa());
        for (int n = 1; n <= 300; n++) {
            check(b, tier, n, Fill.RANDOM, n % 2);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.egemma.kernels.ffm.NativeTestSupport#tiers")
    void boundaryFillsAgreeWithJava(Isa tier) {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        assertEquals(tier, b.setIsaLimit(tier));
        for (Fill fill : Fill.values()) {
            for (int n : new int[] {1, 2, 3, 7, 31, 32, 33, 63, 65, 255, 257, 300, 1000}) {
                check(b, tier, n, fill, 1);
                if (fill == Fill.UNIT_SCALE && n <= 32 || fill == Fill.ZERO_SCALE) {
                    // every partial sum is an integer below 2^24 (or zero): any order gives the exact value
                    MemorySegment x = Q8Blocks.row(n, fill, 7 * n, 0, 0), y = Q8Blocks.row(n, fill, 7 * n, 1, 0);
                    assertEquals(Q8Blocks.exactAndMagnitude(x, 0, y, 0, n)[0], b.q8_0Dot(x, 0, y, 0, n), 0.0,
                            tier + " " + fill + " n=" + n + " must be exact");
                }
            }
        }
    }

    private static void check(EgemmaBinding b, Isa tier, int n, Fill fill, int pad) {
        MemorySegment x = Q8Blocks.row(n, fill, 7 * n, 0, pad), y = Q8Blocks.row(n, fill, 7 * n, 1, pad);
        float java = Q8Dot.dotScalar(x, pad, y, pad, n);
        float nat = b.q8_0Dot(x, pad, y, pad, n);
        double[] em = Q8Blocks.exactAndMagnitude(x, pad, y, pad, n);
        if (tier == Isa.SCALAR) {
            assertEquals(Float.floatToRawIntBits(java), Float.floatToRawIntBits(nat),
                    () -> "scalar tier " + fill + " n=" + n + ": native " + nat + " java " + java);
        } else {
            double tol = Q8Blocks.toleranceBetweenTiers(n, em[1]);
            assertTrue(Math.abs(nat - java) <= tol,
                    () -> tier + " " + fill + " n=" + n + ": native " + nat + " java " + java + " tol " + tol);
        }
        assertTrue(Math.abs(nat - em[0]) <= Q8Blocks.toleranceVsExact(n, em[1]),
                () -> tier + " " + fill + " n=" + n + ": native " + nat + " exact " + em[0]);
    }

    @Test
    void avx2AndAvx512TiersAgreeBitForBitOnGgmlData() {
        // both follow ggml's x86 order (same lane sums, one accumulator, same horizontal sum)
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        assumeTrue(b.caps().containsAll(List.of(Isa.AVX2, Isa.AVX512)), "needs both x86 tiers, have " + b.caps());
        for (int n = 1; n <= 300; n++) {
            MemorySegment x = Q8Blocks.row(n, Fill.GGML_RANGE, n, 0, 0), y = Q8Blocks.row(n, Fill.GGML_RANGE, n, 1, 0);
            b.setIsaLimit(Isa.AVX2);
            float avx2 = b.q8_0Dot(x, 0, y, 0, n);
            b.setIsaLimit(Isa.AVX512);
            float avx512 = b.q8_0Dot(x, 0, y, 0, n);
            assertEquals(Float.floatToRawIntBits(avx2), Float.floatToRawIntBits(avx512), "n=" + n + ": " + avx2 + " vs " + avx512);
        }
    }

    @Test
    void nativeSegmentsWork() {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        int n = 257;
        MemorySegment x = Q8Blocks.row(n, Fill.RANDOM, 3, 0, 0), y = Q8Blocks.row(n, Fill.RANDOM, 3, 1, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nx = arena.allocate(x.byteSize() + 5).asSlice(5), ny = arena.allocate(y.byteSize());
            nx.copyFrom(x);
            ny.copyFrom(y);
            // read-only views, as an mmapped model file hands out
            assertEquals(b.q8_0Dot(x, 0, y, 0, n), b.q8_0Dot(nx.asReadOnly(), 0, ny.asReadOnly(), 0, n));
        }
    }

    @Test
    void sizesAndOffsetsAreCheckedBeforeTheDowncall() {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        MemorySegment x = MemorySegment.ofArray(new byte[34 * 4]);
        var e = assertThrows(IndexOutOfBoundsException.class, () -> b.q8_0Dot(x, 0, x, 0, 5));
        assertTrue(e.getMessage().contains("operand a") && e.getMessage().contains("170 bytes"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> b.q8_0Dot(x, 0, x, 35, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> b.q8_0Dot(x, -1, x, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> b.q8_0Dot(x, 0, x, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> b.q8_0Dot(x, 0, x, 0, Long.MAX_VALUE / 2));
        assertEquals(0f, b.q8_0Dot(x, 0, x, 0, 0));
    }

    @Test
    void isaLimitRefusesTheOtherArchitecture() {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        boolean arm = b.caps().contains(Isa.NEON);
        Isa other = arm ? Isa.AVX2 : Isa.NEON;
        Isa before = b.activeIsa();
        assertThrows(IllegalArgumentException.class, () -> b.setIsaLimit(other));
        assertEquals(before, b.activeIsa());
        assertTrue(List.of(Isa.values()).containsAll(b.caps()));
    }
}
