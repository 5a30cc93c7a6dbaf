// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The Java-side checks of the super-block and Q4_1/Q5_1 downcalls (issue 25's binding): every size, range, format and
 * alignment a caller gets wrong is refused in Java with the argument named, before libegemma could read or write past
 * a buffer. Each refusal sits beside a valid call of the same shape, so a check that refused everything would fail.
 */
class EgemmaBindingRefusalTest {
    static final int K = 256, N = 16, M = 2;
    static EgemmaBinding lib;

    @BeforeAll
    static void load() {
        lib = NativeTestSupport.requireNative().binding();
    }

    static MemorySegment bytes(long n) {
        return Arena.ofAuto().allocate(Math.max(n, 1), 64);
    }

    static void refused(String what, Executable call) {
        RuntimeException e = assertThrows(RuntimeException.class, call, what);
        assertTrue(e instanceof IllegalArgumentException || e instanceof IndexOutOfBoundsException, what + ": " + e);
    }

    @Test
    void q8_1SumsAndTheMinTerm() {
        MemorySegment x = bytes(4L * M * 64), sa = bytes(4L * M * 2);
        assertDoesNotThrow(() -> lib.q8_1Sums(x, 64, 0, M, sa));
        refused("k not a multiple of 32", () -> lib.q8_1Sums(x, 48, 0, M, sa));
        refused("rows backwards", () -> lib.q8_1Sums(x, 64, 2, 1, sa));
        refused("input too short", () -> lib.q8_1Sums(bytes(4L * 64), 64, 0, M, sa));
        refused("sums too short", () -> lib.q8_1Sums(x, 64, 0, M, bytes(4)));

        int nb = 2;
        MemorySegment c = bytes(4L * M * N), mw = bytes(4L * nb * N);
        assertDoesNotThrow(() -> lib.addMinTerm(c, N, M, 0, N, mw, N, sa, nb));
        refused("columns backwards", () -> lib.addMinTerm(c, N, M, 8, 4, mw, N, sa, nb));
        refused("row stride under the columns", () -> lib.addMinTerm(c, N - 1, M, 0, N, mw, N, sa, nb));
        refused("no blocks", () -> lib.addMinTerm(c, N, M, 0, N, mw, N, sa, 0));
        refused("output too short", () -> lib.addMinTerm(bytes(4L * N), N, M, 0, N, mw, N, sa, nb));
        refused("mins too short", () -> lib.addMinTerm(c, N, M, 0, N, bytes(4L * N), N, sa, nb));
        refused("sums too short", () -> lib.addMinTerm(c, N, M, 0, N, mw, N, bytes(4), nb));
    }

    @Test
    void kqPackSizeAndPack() {
        int f = EgemmaBinding.KQ_SUB16_MIN, subs = K / 16;
        refused("unknown format", () -> lib.kqPackSize(7, N, K));
        refused("k not a multiple of 256", () -> lib.kqPackSize(f, N, 128));
        refused("no rows", () -> lib.kqPackSize(f, 0, K));
        long size = lib.kqPackSize(f, N, K);
        MemorySegment q = bytes((long) N * K), sc = bytes((long) N * subs), mn = bytes((long) N * subs), d = bytes(4L * N), dmin = bytes(4L * N);
        MemorySegment dst = bytes(size);
        assertDoesNotThrow(() -> lib.kqPack(f, q, sc, mn, d, dmin, 0, N, N, K, dst));
        refused("rows off a 16-row group", () -> lib.kqPack(f, q, sc, mn, d, dmin, 3, 8, 2 * N, K, dst));
        refused("rows past the end", () -> lib.kqPack(f, q, sc, mn, d, dmin, 0, N + 16, N, K, dst));
        refused("quants too short", () -> lib.kqPack(f, bytes(K), sc, mn, d, dmin, 0, N, N, K, dst));
        refused("scales too short", () -> lib.kqPack(f, q, bytes(subs), mn, d, dmin, 0, N, N, K, dst));
        refused("mins too short", () -> lib.kqPack(f, q, sc, bytes(subs), d, dmin, 0, N, N, K, dst));
        refused("d too short", () -> lib.kqPack(f, q, sc, mn, bytes(4), dmin, 0, N, N, K, dst));
        refused("destination too short", () -> lib.kqPack(f, q, sc, mn, d, dmin, 0, N, N, K, bytes(size - 1)));
        refused("destination on the heap", () -> lib.kqPack(f, q, sc, mn, d, dmin, 0, N, N, K, MemorySegment.ofArray(new byte[(int) size])));
        refused("destination misaligned", () -> lib.kqPack(f, q, sc, mn, d, dmin, 0, N, N, K, bytes(size + 64).asSlice(8, size)));
    }

    @Test
    void q8_kQuantizeAndTheKqGemm() {
        MemorySegment x = bytes(4L * M * K), qa = bytes((long) M * K), da = bytes(4L * M), bs = bytes(2L * M * (K / 16));
        assertDoesNotThrow(() -> lib.q8_kQuantize(x, K, 0, M, qa, da, bs));
        refused("k not a multiple of 256", () -> lib.q8_kQuantize(x, 64, 0, M, qa, da, bs));
        refused("rows backwards", () -> lib.q8_kQuantize(x, K, 1, 0, qa, da, bs));
        refused("input too short", () -> lib.q8_kQuantize(bytes(4L * K), K, 0, M, qa, da, bs));
        refused("sums too short", () -> lib.q8_kQuantize(x, K, 0, M, qa, da, bytes(2)));

        int f = EgemmaBinding.KQ_SUB32;
        MemorySegment packed = bytes(lib.kqPackSize(f, N, K)), c = bytes(4L * M * N), scratch = bytes(lib.q8_0GemmScratchSize(M, K));
        lib.kqPack(f, bytes((long) N * K), bytes((long) N * (K / 32)), MemorySegment.NULL, bytes(4L * N), MemorySegment.NULL, 0, N, N, K, packed);
        assertDoesNotThrow(() -> lib.kqGemm(f, qa, da, bs, M, K, packed, N, 0, N, c, N, scratch));
        refused("columns past n", () -> lib.kqGemm(f, qa, da, bs, M, K, packed, N, 0, N + 1, c, N + 1, scratch));
        refused("row stride under the columns", () -> lib.kqGemm(f, qa, da, bs, M, K, packed, N, 0, N, c, N - 1, scratch));
        refused("activations too short", () -> lib.kqGemm(f, bytes(K), da, bs, M, K, packed, N, 0, N, c, N, scratch));
        refused("packed weights too short", () -> lib.kqGemm(f, qa, da, bs, M, K, bytes(64), N, 0, N, c, N, scratch));
        refused("output too short", () -> lib.kqGemm(f, qa, da, bs, M, K, packed, N, 0, N, bytes(4L * N), N, scratch));
        refused("scratch too short", () -> lib.kqGemm(f, qa, da, bs, M, K, packed, N, 0, N, c, N, bytes(64)));
        refused("weights on the heap", () -> lib.kqGemm(f, qa, da, bs, M, K, MemorySegment.ofArray(new byte[(int) packed.byteSize()]), N, 0, N, c, N, scratch));
    }
}
