// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.egemma.kernels.KernelProvider;
import dev.egemma.kernels.Kernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * libegemma's attention computes the Java kernels' bits (llama.cpp's order) exactly: sequence lengths around the
 * 16-key softmax chunks and the 64-element ggml_vec_dot_f32 chunks (of both K.q and P.V), the sliding window and a
 * global row, GQA with one and two KV heads, head sizes 64, 100 and 256, every query head alone and a KV head's query
 * heads in one call, on every tier the CPU has (the AVX2 and AVX-512 tiers have attentions of their own: tiles of 32
 * queries in groups of 4, on aligned copies of the K and V rows; the other tiers run the portable one).
 */
class AttentionNativeParityTest {

    /** every shape on every tier the CPU has: the AVX2 and AVX-512 tiers have their own attention, the others the portable one */
    static Stream<Arguments> shapes() {
        List<Arguments> a = new ArrayList<>();
        NativeTestSupport.tiers().forEach(tier -> {
            for (int tokens : new int[] {1, 2, 15, 16, 17, 31, 33, 63, 64, 65, 255, 257, 1000})
                for (int halfWindow : new int[] {-1, 4}) {
                    a.add(Arguments.of(tier, tokens, halfWindow, 3, 1, 64));
                    // head size 256 with 4/2 heads costs the most in the Java reference: the long rows only once per window
                    if (tokens <= 257 || halfWindow < 0) a.add(Arguments.of(tier, tokens, halfWindow, 4, 2, 256));
                    // a head size that is not a multiple of the 64 output lanes done at once: a full block, then a partial one
                    if (tokens <= 65) a.add(Arguments.of(tier, tokens, halfWindow, 2, 1, 100));
                }
            // a long sequence (its K and V rows copied for the windows of each call's queries only)
            a.add(Arguments.of(tier, 4100, 4, 1, 1, 64));
        });
        return a.stream();
    }

    @AfterAll
    static void restoreTier() {
        NativeTestSupport.restoreBestTier();
    }

    @ParameterizedTest(name = "{0} tokens={1} window={2} heads={3}/{4} dim={5}")
    @MethodSource("shapes")
    void equalsTheJavaKernelsBitForBit(Isa tier, int tokens, int halfWindow, int nHead, int nHeadKv, int headDim) {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        int headDimV = headDim, rowOff = 3, rows = rowOff + tokens + 2;
        SplittableRandom r = new SplittableRandom(tokens * 31L + halfWindow * 7L + headDim);
        // q large enough that softmax rows are far from uniform, so exp and the sums see varied exponents
        float[] q = rnd(r, rows * nHead * headDim, 0.5), k = rnd(r, rows * nHeadKv * headDim, 0.5), v = rnd(r, rows * nHeadKv * headDimV, 1);
        float[] got = new float[rows * nHead * headDimV];
        assertSameBits(tier, q, k, v, got, rowOff, tokens, nHead, nHeadKv, headDim, halfWindow);
        assertThrows(IndexOutOfBoundsException.class,
                () -> b.attention(q, k, v, got, rowOff, tokens + 3, nHead, nHeadKv, headDim, headDimV, 0, halfWindow));
        assertThrows(IllegalArgumentException.class,
                () -> b.attention(q, k, v, got, rowOff, tokens, nHead, nHead + 1, headDim, headDimV, 0, halfWindow));
        float[] small = new float[(int) b.attentionScratchSize(tokens, headDim, headDimV) - 1];
        assertThrows(IllegalArgumentException.class,
                () -> b.attention(q, k, v, got, rowOff, tokens, nHead, nHeadKv, headDim, headDimV, 0, 1, halfWindow, 0, tokens, small));
        if (nHead / nHeadKv > 1) // heads of two KV heads in one call
            assertThrows(IllegalArgumentException.class, () -> b.attention(q, k, v, got, rowOff, tokens, nHead, nHeadKv, headDim, headDimV,
                    nHead / nHeadKv - 1, 2, halfWindow, 0, tokens, new float[small.length + 1]));
    }

    static Stream<Arguments> tiersAndDims() {
        return NativeTestSupport.tiers().flatMap(t -> Stream.of(Arguments.of(t, 64), Arguments.of(t, 256)));
    }

    /**
     * A key outside a query's window adds nothing to it, not even a zero term: with an infinite value row, the
     * queries that see it get infinities and the others stay finite, in both backends (a kernel that multiplied
     * the masked keys' zero probabilities would turn those into NaN). Window edges at many offsets in 4-query
     * blocks and 64-key blocks.
     */
    @ParameterizedTest(name = "{0} dim={1}")
    @MethodSource("tiersAndDims")
    void maskedKeysAreSkippedNotMultipliedByZero(Isa tier, int headDim) {
        int tokens = 300, nHead = 3, nHeadKv = 1, halfWindow = 37;
        SplittableRandom r = new SplittableRandom(headDim);
        float[] q = rnd(r, tokens * nHead * headDim, 0.5), k = rnd(r, tokens * nHeadKv * headDim, 0.5), v = rnd(r, tokens * nHeadKv * headDim, 1);
        for (int row : new int[] {5, 65, 129, 201}) Arrays.fill(v, row * headDim, (row + 1) * headDim, Float.POSITIVE_INFINITY);
        float[] got = new float[tokens * nHead * headDim];
        assertSameBits(tier, q, k, v, got, 0, tokens, nHead, nHeadKv, headDim, halfWindow);
        int finite = 0;
        for (float x : got) if (Float.isFinite(x)) finite++;
        assertTrue(finite > 0 && finite < got.length, "some outputs see an infinite row, others not: " + finite);
    }

    /**
     * Scores spread over hundreds (q ~ N(0, 10^2), k ~ N(0, 0.5^2), 64 dims: score sd ~40), so exp(s - max) runs
     * through the whole range: ggml_v_expf's 2^n scaling by one product while 2^n is normal (n >= -126), the
     * subnormal results near n = -126, the ldexpf path below, and the exact zeros past -104.
     */
    @ParameterizedTest(name = "{0} tokens={1}")
    @MethodSource("wideTokens")
    void scoresSpanningTheWholeExpRangeEqualJava(Isa tier, int tokens) {
        int nHead = 3, nHeadKv = 1, headDim = 64;
        SplittableRandom r = new SplittableRandom(tokens);
        float[] q = rnd(r, tokens * nHead * headDim, 10), k = rnd(r, tokens * nHeadKv * headDim, 0.5), v = rnd(r, tokens * nHeadKv * headDim, 1);
        assertSameBits(tier, q, k, v, new float[tokens * nHead * headDim], 0, tokens, nHead, nHeadKv, headDim, -1);
    }

    static Stream<Arguments> rangeCases() {
        return NativeTestSupport.tiers().flatMap(t -> Stream.of(1, 7, 33, 257, 300).flatMap(n -> Stream.of(-1, 37).map(w -> Arguments.of(t, n, w))));
    }

    /**
     * A head's queries split into ranges (cuts that break the AVX-512 tier's 4-query groups and the 64-key blocks)
     * give the bits of the whole head, in libegemma and in both Java kernels, and a range call writes only its rows.
     */
    @ParameterizedTest(name = "{0} tokens={1} window={2}")
    @MethodSource("rangeCases")
    void queryRangesGiveTheWholeHeadsBitsAndTouchOnlyTheirRows(Isa tier, int tokens, int halfWindow) {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        assertEquals(tier, b.setIsaLimit(tier));
        int nHead = 3, nHeadKv = 1, headDim = 64, rowOff = 2, rows = rowOff + tokens + 1;
        SplittableRandom r = new SplittableRandom(tokens * 13L + halfWindow);
        float[] q = rnd(r, rows * nHead * headDim, 0.5), k = rnd(r, rows * nHeadKv * headDim, 0.5), v = rnd(r, rows * nHeadKv * headDim, 1);
        int[] cuts = java.util.stream.IntStream.of(0, 1, 6, 130, tokens - 3, tokens).filter(c -> c >= 0 && c <= tokens).distinct().sorted().toArray();
        List<Kernels> javas = List.of(new dev.egemma.kernels.java.ScalarKernels(), KernelProvider.javaKernels());
        float[] want = new float[rows * nHead * headDim];
        for (int h = 0; h < nHead; h++) javas.get(0).attention(q, k, v, want, rowOff, tokens, nHead, nHeadKv, headDim, headDim, h, halfWindow);
        List<String> who = List.of("native " + tier, "java scalar", "java " + javas.get(1).name(), "native " + tier + ", the KV head's 3 heads in one call");
        for (int impl = 0; impl < 4; impl++) {
            float[] got = new float[want.length];
            Arrays.fill(got, -7f);
            if (impl == 3)
                for (int c = 0; c + 1 < cuts.length; c++)
                    b.attention(q, k, v, got, rowOff, tokens, nHead, nHeadKv, headDim, headDim, 0, nHead, halfWindow, cuts[c], cuts[c + 1], scratch(b, tokens, headDim));
            else for (int h = 0; h < nHead; h++)
                for (int c = 0; c + 1 < cuts.length; c++) {
                    if (impl == 0) b.attention(q, k, v, got, rowOff, tokens, nHead, nHeadKv, headDim, headDim, h, 1, halfWindow, cuts[c], cuts[c + 1], scratch(b, tokens, headDim));
                    else javas.get(impl - 1).attention(q, k, v, got, rowOff, tokens, nHead, nHeadKv, headDim, headDim, h, halfWindow, cuts[c], cuts[c + 1]);
                }
            int rowLen = nHead * headDim;
            for (int i = 0; i < want.length; i++) {
                int at = i, row = i / rowLen - rowOff, impl0 = impl;
                if (row < 0 || row >= tokens) assertEquals(-7f, got[i], () -> who.get(impl0) + " wrote row " + (at / rowLen) + " outside the sequence");
                else assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), () -> who.get(impl0) + ": bits differ at query " + (at / rowLen - rowOff));
            }
        }
        if (tokens >= 7) { // one middle range alone: the rows before and after it stay as they were
            float[] got = new float[want.length];
            Arrays.fill(got, -7f);
            b.attention(q, k, v, got, rowOff, tokens, nHead, nHeadKv, headDim, headDim, 1, 1, halfWindow, 1, 6, scratch(b, tokens, headDim));
            for (int i = 0; i < want.length; i++) {
                int row = i / (nHead * headDim) - rowOff, col = i % (nHead * headDim);
                if (row < 1 || row >= 6 || col / headDim != 1) assertEquals(-7f, got[i], "row " + row + " column " + col + " written by queries [1, 6) of head 1");
            }
        }
        float[] out = new float[want.length];
        assertThrows(IndexOutOfBoundsException.class, () -> b.attention(q, k, v, out, rowOff, tokens, nHead, nHeadKv, headDim, headDim, 0, 1, halfWindow, 0, tokens + 1, scratch(b, tokens + 1, headDim)));
        assertThrows(IndexOutOfBoundsException.class, () -> b.attention(q, k, v, out, rowOff, tokens, nHead, nHeadKv, headDim, headDim, 0, 1, halfWindow, 1, 0, scratch(b, tokens, headDim)));
        for (Kernels j : javas)
            assertThrows(IndexOutOfBoundsException.class, () -> j.attention(q, k, v, out, rowOff, tokens, nHead, nHeadKv, headDim, headDim, 0, halfWindow, -1, 1));
    }

    private static float[] scratch(EgemmaBinding b, int tokens, int headDim) {
        return new float[(int) b.attentionScratchSize(tokens, headDim, headDim)];
    }

    static Stream<Arguments> wideTokens() {
        return NativeTestSupport.tiers().flatMap(t -> Stream.of(17, 64, 200).map(n -> Arguments.of(t, n)));
    }

    /**
     * Every query head through the Java kernels and through libegemma at {@code tier} (head_dim_v = head_dim); the
     * native outputs land in {@code got} and must equal the Java ones bit for bit.
     */
    private static void assertSameBits(Isa tier, float[] q, float[] k, float[] v, float[] got, int rowOff, int tokens, int nHead,
                                       int nHeadKv, int headDim, int halfWindow) {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        assertEquals(tier, b.setIsaLimit(tier));
        Kernels java = KernelProvider.javaKernels();
        float[] want = new float[got.length];
        for (int h = 0; h < nHead; h++) {
            java.attention(q, k, v, want, rowOff, tokens, nHead, nHeadKv, headDim, headDim, h, halfWindow);
            b.attention(q, k, v, got, rowOff, tokens, nHead, nHeadKv, headDim, headDim, h, halfWindow);
        }
        // and each KV head's query heads in one call
        float[] grouped = new float[got.length];
        int rep = nHead / nHeadKv;
        for (int g = 0; g < nHeadKv; g++)
            b.attention(q, k, v, grouped, rowOff, tokens, nHead, nHeadKv, headDim, headDim, g * rep, rep, halfWindow, 0, tokens, scratch(b, tokens, headDim));
        for (int i = 0; i < want.length; i++) {
            int at = i;
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                    () -> "bits differ at " + at + " (row " + at / (nHead * headDim) + "): " + want[at] + " vs " + got[at]);
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(grouped[i]),
                    () -> "KV head's heads in one call: bits differ at " + at + " (row " + at / (nHead * headDim) + ")");
        }
    }

    static float[] rnd(SplittableRandom r, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * scale);
        return x;
    }
}
