// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.egemma.Q8Order;
import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.Activations;
import dev.egemma.kernels.KernelProvider;
import dev.egemma.kernels.Kernels;
import dev.egemma.kernels.WeightMatrix;
import dev.egemma.kernels.java.ScalarKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * libegemma's Q8_0 GEMM ({@link NativeKernels#matmul}) on every usable tier (forced through the cap) and in both
 * {@link Q8Order}s against the Java kernels in llama.cpp's x86 order ({@link ScalarKernels#matmul}), a block-order
 * reference written here and the Java kernels in the block order (the default: {@link ScalarKernels} and the Vector API
 * ones, which must give libegemma's block-order bits, so that both backends embed alike), on awkward sizes and boundary
 * fills.
 *
 * <p>What must hold: the quantized activations equal an independent Java quantizer bit for bit (ggml's x86
 * quantize_row_q8_0 with {@link Float#floatToFloat16} and {@link Math#rint}). With {@link Q8Order#X86} the x86 tiers
 * (scalar, AVX2, AVX-512, AMX) compute llama.cpp's x86 order (tinyBLAS: eight lanes of quad sums, one FMA per lane
 * and block, then three levels of additions) as the Java reference does, so they equal it bit for bit. With
 * {@link Q8Order#BLOCK} every tier, and the NEON tiers in either order (they have no x86 kernel), sum per block:
 * {@code acc = fma((float) isum_b, d_w * d_a, acc)} from {@code acc = 0} in block order, which
 * {@link BlockOrderKernels#blockOrder} computes independently, so they equal it bit for bit. Every result is also held to
 * {@code 2 * gamma(2*nb + 3) * S'} of the Java reference: per block the integer dot is exact and {@code d_w * d_a}
 * is exact in float (two 11-bit significands); a block-order sum rounds at most twice per block (once with the
 * FMA), within {@code gamma(2*nb) * S} of the exact sum by the summation bound (Higham 2002, eq. 3.5),
 * {@code S = sum_b |t_b|}, {@code gamma(j) = j*u/(1-j*u)}, {@code u = 2^-24}; the Java reference is within
 * {@code gamma(nb + 3) * S'} with S' the same sum over the eight quad-lane terms of each block (S <= S', since lanes
 * may cancel). Two results differ by at most the sum, below {@code 2 * gamma(2*nb + 3) * S'}.
 * (native/test/test_gemm.c checks every tier bit for bit against C references of its own operation order.)
 */
class Q8GemmNativeParityTest {

    private static final ValueLayout.OfShort FP16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    enum WFill { RANDOM, ALL_PLUS_127, ALL_MINUS_128, ZERO_SCALE, SUBNORMAL_SCALE }

    enum AFill { RANDOM, EQUAL_POSITIVE, EQUAL_NEGATIVE, ZERO, TINY_SUBNORMAL_D }

    @AfterAll
    static void restoreBestTier() {
        NativeTestSupport.restoreBestTier();
    }

    static Stream<Arguments> sizes() {
        int[] s = {1, 2, 3, 7, 31, 32, 33, 63, 65, 255, 257};
        List<Arguments> out = new ArrayList<>();
        for (Isa t : NativeTestSupport.tiers().toList()) {
            for (Q8Order o : Q8Order.values()) {
                for (int i = 0; i < s.length; i++) {
                    // every M against a spread of N, K cycling through 32..128 and the model's 768
                    out.add(Arguments.of(t, o, s[i], s[(i * 7 + 3) % s.length], 32 * (1 + i % 4)));
                    out.add(Arguments.of(t, o, s[(i * 5 + 2) % s.length], s[i], i % 3 == 0 ? 768 : 32 * (1 + (i + 1) % 4)));
                }
                out.add(Arguments.of(t, o, 1000, 17, 64));
                out.add(Arguments.of(t, o, 5, 1000, 32));
                out.add(Arguments.of(t, o, 33, 65, 1152));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} M={2} N={3} K={4}")
    @MethodSource("sizes")
    void agreesWithTheReferences(Isa tier, Q8Order order, int m, int n, int k) {
        check(tier, order, m, n, k, WFill.RANDOM, AFill.RANDOM, (m * 31L + n) * 17 + k);
    }

    static Stream<Arguments> fills() {
        List<Arguments> out = new ArrayList<>();
        for (Isa t : NativeTestSupport.tiers().toList())
            for (Q8Order o : Q8Order.values())
                for (WFill w : WFill.values())
                    for (AFill a : AFill.values()) out.add(Arguments.of(t, o, w, a));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} weights {2}, activations {3}")
    @MethodSource("fills")
    void boundaryFills(Isa tier, Q8Order order, WFill w, AFill a) {
        check(tier, order, 33, 40, 96, w, a, w.ordinal() * 10L + a.ordinal());
        check(tier, order, 3, 17, 768, w, a, w.ordinal() * 10L + a.ordinal() + 100);
    }

    @ParameterizedTest
    @MethodSource("dev.egemma.kernels.ffm.NativeTestSupport#tiersAndOrders")
    void reusedActivationBuffersGiveTheSameBitsAsFreshOnes(Isa tier, Q8Order order) {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        assertEquals(tier, b.setIsaLimit(tier));
        NativeKernels nk = new NativeKernels(b, new ScalarKernels(), order);
        int k = 96, n = 40;
        WeightMatrix w = weights(n, k, WFill.RANDOM, new SplittableRandom(11));
        // a big batch first leaves non-zero rows past the small batches' pad boundary in the reused buffers
        Activations big = nk.prepare(acts(70, k, AFill.RANDOM, new SplittableRandom(12)), 70, k, w);
        Activations previous = big;
        for (int m : new int[] {1, 33, 5, 31}) {
            float[] x = acts(m, k, AFill.RANDOM, new SplittableRandom(13 + m));
            Activations reused = nk.prepare(x, m, k, w, previous), fresh = nk.prepare(x, m, k, w);
            float[] got = new float[m * n], want = new float[m * n];
            nk.matmul(reused, w, 0, n, got, n);
            nk.matmul(fresh, w, 0, n, want, n);
            assertArrayEquals(want, got, tier + " m=" + m);
            previous = reused;
        }
        assertSame(((NativeKernels.QuantizedRows) big).q(), ((NativeKernels.QuantizedRows) previous).q(), "the big batch's buffer was reused");
    }

    @ParameterizedTest
    @MethodSource("dev.egemma.kernels.ffm.NativeTestSupport#tiersAndOrders")
    void rowRangesComputeTheSameBitsAsTheWholeProduct(Isa tier, Q8Order order) {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        assertEquals(tier, b.setIsaLimit(tier));
        NativeKernels nk = new NativeKernels(b, new ScalarKernels(), order);
        int m = 161, n = 45, k = 128, ld = 47;
        WeightMatrix w = weights(n, k, WFill.RANDOM, new SplittableRandom(21));
        Activations a = nk.prepare(acts(m, k, AFill.RANDOM, new SplittableRandom(22)), m, k, w);
        assertTrue(nk.splitsRows(w));
        float[] whole = new float[m * ld], split = new float[m * ld];
        nk.matmul(a, w, 0, n, whole, ld);
        java.util.Arrays.fill(split, Float.NaN);
        int[] cuts = {0, 32, 96, 128, 160, 161};
        for (int c = 0; c + 1 < cuts.length; c++) {
            nk.matmulRows(a, cuts[c], cuts[c + 1], w, 0, 20, split, ld);
            nk.matmulRows(a, cuts[c], cuts[c + 1], w, 20, n, split, ld);
        }
        for (int i = 0; i < m * ld; i++) {
            if (i % ld < n) assertEquals(whole[i], split[i], 0f, tier + " element " + i);
            else assertTrue(Float.isNaN(split[i]), "wrote past column n at " + i);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> nk.matmulRows(a, 16, 40, w, 0, n, split, ld), "start not a multiple of 32");
        assertThrows(IndexOutOfBoundsException.class, () -> nk.matmulRows(a, 160, 162, w, 0, n, split, ld), "past the last row");
        assertThrows(IndexOutOfBoundsException.class, () -> nk.matmulRows(a, 64, 32, w, 0, n, split, ld), "m1 < m0");
    }

    @Test
    void aScratchBufferTooSmallIsRefusedInJava() {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        long need = b.q8_0GemmScratchSize(40, 96);
        assertEquals(40 * 96 + 3 * 8 * 64 + 64, need, "40 rows biased at once, 8 quad corrections of 64 bytes per block, alignment slack");
        assertEquals(64 * 96 + 3 * 8 * 64 + 64, b.q8_0GemmScratchSize(1000, 96), "at most 64 rows biased at once");
        NativeKernels nk = new NativeKernels(b, new ScalarKernels());
        WeightMatrix w = weights(16, 96, WFill.RANDOM, new SplittableRandom(3));
        NativeKernels.QuantizedRows a = (NativeKernels.QuantizedRows) nk.prepare(acts(40, 96, AFill.RANDOM, new SplittableRandom(4)), 40, 96, w);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment small = arena.allocate(need - 1);
            assertThrows(IndexOutOfBoundsException.class, () -> b.q8_0Gemm(MemorySegment.ofArray(a.q()), MemorySegment.ofArray(a.d()), 40, 96,
                    nk.packed(w).data(), 16, 0, 16, MemorySegment.ofArray(new float[40 * 16]), 16, small, EgemmaBinding.Q8_0_ORDER_X86));
        }
    }

    /** An order libegemma does not know is refused in Java, first: before the size checks' downcalls and the GEMM's. */
    @Test
    void anOrderOtherThanX86OrBlockIsRefusedInJava() {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        NativeKernels nk = new NativeKernels(b, new ScalarKernels());
        int m = 5, n = 16, k = 64;
        WeightMatrix w = weights(n, k, WFill.RANDOM, new SplittableRandom(7));
        NativeKernels.QuantizedRows a = (NativeKernels.QuantizedRows) nk.prepare(acts(m, k, AFill.RANDOM, new SplittableRandom(8)), m, k, w);
        MemorySegment packed = nk.packed(w).data(), scratch = Arena.ofAuto().allocate(b.q8_0GemmScratchSize(m, k), 64);
        float[] c = new float[m * n];
        for (int order : new int[] {2, -1, 3, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            java.util.Arrays.fill(c, Float.NaN);
            var e = assertThrows(IllegalArgumentException.class, () -> b.q8_0Gemm(MemorySegment.ofArray(a.q()), MemorySegment.ofArray(a.d()),
                    m, k, packed, n, 0, n, MemorySegment.ofArray(c), n, scratch, order));
            // libegemma's own refusal would be an IllegalStateException ("failed with ... after Java-side checks passed")
            assertTrue(e.getMessage().contains("order " + order) && e.getMessage().contains("Q8_0_ORDER_X86 (0)")
                    && e.getMessage().contains("Q8_0_ORDER_BLOCK (1)"), e.getMessage());
            for (float v : c) assertTrue(Float.isNaN(v), "order " + order + ": the output was written");
            // checked before everything else: a scratch buffer too small is not what is reported
            var first = assertThrows(IllegalArgumentException.class, () -> b.q8_0Gemm(MemorySegment.ofArray(a.q()), MemorySegment.ofArray(a.d()),
                    m, k, packed, n, 0, n, MemorySegment.ofArray(c), n, scratch.asSlice(0, 1), order));
            assertTrue(first.getMessage().contains("order " + order), first.getMessage());
        }
        for (Q8Order o : Q8Order.values()) { // and the two known orders pass through
            java.util.Arrays.fill(c, Float.NaN);
            b.q8_0Gemm(MemorySegment.ofArray(a.q()), MemorySegment.ofArray(a.d()), m, k, packed, n, 0, n, MemorySegment.ofArray(c), n, scratch, o.id());
            for (float v : c) assertTrue(Float.isFinite(v), o + ": every output written");
        }
    }

    /**
     * Blocks whose amax is below 127 / Float.MAX_VALUE make {@code 127 / amax} infinite: the quantizers then disagree on
     * the quants (the Java one and libegemma's AVX2/AVX-512 ones saturate to -128 as ggml's x86 code does; the scalar C
     * one narrows an out-of-range float), but the block's scale {@code fp16(amax / 127)} is +0, so its term is a zero
     * that leaves every sum as it was: the block-order products agree bit for bit on both backends all the same.
     */
    @ParameterizedTest
    @MethodSource("dev.egemma.kernels.ffm.NativeTestSupport#tiers")
    void blocksWhoseInverseScaleOverflowsGiveTheSameProductsOnBothBackends(Isa tier) {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        assertEquals(tier, b.setIsaLimit(tier));
        int m = 19, n = 21, k = 160;
        SplittableRandom r = new SplittableRandom(31);
        WeightMatrix w = weights(n, k, WFill.RANDOM, r);
        float[] x = acts(m, k, AFill.RANDOM, r);
        for (int i = 0; i < m; i++)
            for (int blk = i % 3; blk < k / 32; blk += 2) // every other block, from row to row shifted
                for (int t = 0; t < 32; t++) x[i * k + blk * 32 + t] = (float) (r.nextDouble(-1, 1) * 0x1p-126 * (t % 5)); // subnormals and zeros
        Kernels nk = new NativeKernels(b, new ScalarKernels(), Q8Order.BLOCK);
        float[] want = new float[m * n];
        nk.matmul(nk.prepare(x, m, k, w), w, 0, n, want, n);
        for (Kernels jk : List.of(KernelProvider.javaKernels(Q8Order.BLOCK), new ScalarKernels(Q8Order.BLOCK))) {
            float[] got = new float[m * n];
            jk.matmul(jk.prepare(x, m, k, w), w, 0, n, got, n);
            for (int i = 0; i < m * n; i++)
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), tier + " vs " + jk.name() + " at " + i + ": " + want[i] + " " + got[i]);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.egemma.kernels.ffm.NativeTestSupport#tiers")
    void theBlockOrderIsTheDefaultAndTheKernelSetNamesTheX86One(Isa t) {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        assertEquals(t, b.setIsaLimit(t));
        String tier = "native-" + t.cName();
        NativeKernels byDefault = new NativeKernels(b, new ScalarKernels());
        assertEquals(Q8Order.BLOCK, byDefault.q8Order(), "the block order unless asked");
        assertEquals(tier, byDefault.name());
        assertEquals(tier, new NativeKernels(b, new ScalarKernels(), Q8Order.BLOCK).name());
        // the order that runs: NEON has no x86-order kernel
        assertEquals(NativeTestSupport.llamaCppExact(t, Q8Order.X86) ? tier + "-x86" : tier, new NativeKernels(b, new ScalarKernels(), Q8Order.X86).name());
        assertThrows(NullPointerException.class, () -> new NativeKernels(b, new ScalarKernels(), null));
    }

    @ParameterizedTest
    @MethodSource("dev.egemma.kernels.ffm.NativeTestSupport#tiersAndOrders")
    void tilesTouchOnlyTheirColumns(Isa tier, Q8Order order) {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        assertEquals(tier, b.setIsaLimit(tier));
        int m = 37, n = 100, k = 64, ld = 103;
        WeightMatrix w = weights(n, k, WFill.RANDOM, new SplittableRandom(5));
        float[] x = acts(m, k, AFill.RANDOM, new SplittableRandom(6));
        NativeKernels nk = new NativeKernels(b, new ScalarKernels(), order);
        Activations a = nk.prepare(x, m, k, w);
        float[] full = new float[m * ld], tiled = new float[m * ld];
        nk.matmul(a, w, 0, n, full, ld);
        java.util.Arrays.fill(tiled, Float.NaN);
        int[] cuts = {0, 5, 16, 37, 48, 99, 100};
        for (int c = 0; c + 1 < cuts.length; c++) nk.matmul(a, w, cuts[c], cuts[c + 1], tiled, ld);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < ld; j++) {
                if (j < n) assertEquals(full[i * ld + j], tiled[i * ld + j], 0.0, tier + " (" + i + "," + j + ")");
                else assertTrue(Float.isNaN(tiled[i * ld + j]), "column " + j + " past n written");
            }
        }
        assertEquals(b.q8_0PackSize(n, k), nk.packedBytes(), "one packed copy, made once");
    }

    /** The packed copies are found by matrix: an equal matrix bound again (a new record, a new segment object over the same bytes) shares one. */
    @Test
    void anEqualMatrixSharesThePackedCopyAndACopiedOneDoesNot() {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        int m = 3, n = 48, k = 64;
        WeightMatrix w = weights(n, k, WFill.RANDOM, new SplittableRandom(8));
        WeightMatrix again = new WeightMatrix(w.name(), w.type(), w.rows(), w.cols(), w.data().asSlice(0));
        assertEquals(w, again);
        assertEquals(w.hashCode(), again.hashCode(), "equal matrices must hash alike");
        MemorySegment copy = Arena.ofAuto().allocate(w.data().byteSize(), 64).copyFrom(w.data());
        WeightMatrix copied = new WeightMatrix(w.name(), w.type(), w.rows(), w.cols(), copy);
        assertNotEquals(w, copied);
        NativeKernels nk = new NativeKernels(b, new ScalarKernels());
        float[] x = acts(m, k, AFill.RANDOM, new SplittableRandom(9));
        Activations a = nk.prepare(x, m, k, w);
        float[] c1 = new float[m * n], c2 = new float[m * n], c3 = new float[m * n];
        nk.matmul(a, w, 0, n, c1, n);
        nk.matmul(a, again, 0, n, c2, n);
        assertEquals(b.q8_0PackSize(n, k), nk.packedBytes(), "the equal matrix reuses the packed copy");
        nk.matmul(a, copied, 0, n, c3, n);
        assertEquals(2 * b.q8_0PackSize(n, k), nk.packedBytes(), "other bytes get their own packed copy");
        assertArrayEquals(c1, c2, 0f);
        assertArrayEquals(c1, c3, 0f);
    }

    @Test
    void badArgumentsAreJavaExceptionsNotCrashes() {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        NativeKernels nk = new NativeKernels(b, new ScalarKernels());
        WeightMatrix w = weights(20, 64, WFill.RANDOM, new SplittableRandom(1));
        Activations a = nk.prepare(new float[3 * 64], 3, 64, w);
        assertThrows(IndexOutOfBoundsException.class, () -> nk.matmul(a, w, 0, 21, new float[3 * 21], 21));
        assertThrows(IndexOutOfBoundsException.class, () -> nk.matmul(a, w, 0, 20, new float[3 * 20 - 1], 20));
        assertThrows(IndexOutOfBoundsException.class, () -> nk.matmul(a, w, 0, 20, new float[3 * 20], 19));
        assertThrows(IllegalArgumentException.class, () -> nk.prepare(new float[10], 3, 64, w));
        assertThrows(IllegalArgumentException.class, () -> b.q8_0PackSize(16, 33));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dst = arena.allocate(b.q8_0PackSize(20, 64) + 64, 64);
            assertThrows(IllegalArgumentException.class, () -> b.q8_0Pack(w.data(), 20, 64, 0, 20, dst.asSlice(4)));
            assertThrows(IllegalArgumentException.class, () -> b.q8_0Pack(w.data(), 20, 64, 3, 20, dst));
            assertThrows(IndexOutOfBoundsException.class, () -> b.q8_0Pack(w.data().asSlice(0, 100), 20, 64, 0, 20, dst));
        }
    }

    // ---- the check -----------------------------------------------------------------------------------------------

    static void check(Isa tier, Q8Order order, int m, int n, int k, WFill wf, AFill af, long seed) {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        assertEquals(tier, b.setIsaLimit(tier));
        SplittableRandom r = new SplittableRandom(seed);
        WeightMatrix w = weights(n, k, wf, r);
        float[] x = acts(m, k, af, r);
        NativeKernels nk = new NativeKernels(b, new ScalarKernels(), order);
        NativeKernels.QuantizedRows qa = (NativeKernels.QuantizedRows) nk.prepare(x, m, k, w);
        int nb = k / 32;
        byte[] q = new byte[m * k];
        float[] d = new float[m * nb];
        quantize(x, m, k, q, d);
        for (int i = 0; i < m * k; i++) if (q[i] != qa.q()[i]) assertEquals(q[i], qa.q()[i], tier + ": quant " + i);
        for (int i = 0; i < m * nb; i++)
            assertEquals(Float.floatToRawIntBits(d[i]), Float.floatToRawIntBits(qa.d()[i]), tier + ": scale " + i);
        for (int i = m * k; i < qa.q().length; i++) assertEquals(0, qa.q()[i], "pad row quant");

        ScalarKernels ref = new ScalarKernels(Q8Order.X86);
        float[] want = new float[m * n], got = new float[m * n];
        ref.matmul(ref.prepare(x, m, k, w), w, 0, n, want, n);
        float[] block = new float[m * n];
        BlockOrderKernels.blockOrder(q, d, m, k, w.data(), 0, n, block, n);
        float[] javaBlock = new float[m * n], javaScalarBlock = new float[m * n];
        Kernels jb = KernelProvider.javaKernels(Q8Order.BLOCK), sb = new ScalarKernels(Q8Order.BLOCK);
        jb.matmul(jb.prepare(x, m, k, w), w, 0, n, javaBlock, n);
        sb.matmul(sb.prepare(x, m, k, w), w, 0, n, javaScalarBlock, n);
        nk.matmul(qa, w, 0, n, got, n);
        double g = gamma(2.0 * nb + 3);
        boolean exact = NativeTestSupport.llamaCppExact(tier, order), blockOrder = NativeTestSupport.blockOrder(tier, order);
        String what = tier + " " + order + " " + wf + "/" + af + " M=" + m + " N=" + n + " K=" + k;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int blk = 0; blk < nb; blk++) {
                    long o = ((long) j * nb + blk) * 34;
                    float dwb = Float.float16ToFloat(w.data().get(FP16, o));
                    for (int lane = 0; lane < 8; lane++) { // the reference's lanes: quads of products
                        int isum = 0;
                        for (int t = 4 * lane; t < 4 * lane + 4; t++)
                            isum += q[i * k + blk * 32 + t] * w.data().get(ValueLayout.JAVA_BYTE, o + 2 + t);
                        s += Math.abs((double) isum * dwb * d[i * nb + blk]);
                    }
                }
                double tol = 2 * g * s;
                float gv = got[i * n + j], wv = want[i * n + j];
                if (exact && Float.floatToRawIntBits(gv) != Float.floatToRawIntBits(wv))
                    assertEquals(wv, gv, 0f, what + " must equal the Java reference (llama.cpp's x86 order) bit for bit at (" + i + "," + j + ")");
                float bv = block[i * n + j];
                if (blockOrder && Float.floatToRawIntBits(gv) != Float.floatToRawIntBits(bv))
                    assertEquals(bv, gv, 0f, what + " must equal the block-order reference bit for bit at (" + i + "," + j + ")");
                float jv = javaBlock[i * n + j], sv = javaScalarBlock[i * n + j];
                if (Float.floatToRawIntBits(jv) != Float.floatToRawIntBits(bv) || Float.floatToRawIntBits(sv) != Float.floatToRawIntBits(bv))
                    assertEquals(bv + " " + bv, jv + " " + sv, what + ": the Java kernels' block order (" + jb.name() + ", java-scalar) must equal"
                            + " the block-order reference bit for bit at (" + i + "," + j + ")");
                if (!(Math.abs(gv - wv) <= tol)) assertEquals(wv, gv, tol, what + " at (" + i + "," + j + ")");
                if (wf == WFill.ZERO_SCALE || af == AFill.ZERO) assertEquals(0f, gv, 0f, "zero scale must give exactly 0");
                assertTrue(Float.isFinite(gv), "finite");
            }
        }
    }

    static double gamma(double j) {
        double u = Math.scalb(1.0, -24);
        return j * u / (1 - j * u);
    }

    /** ggml's x86 quantize_row_q8_0, written independently of the Java kernels. */
    static void quantize(float[] x, int m, int k, byte[] q, float[] d) {
        for (int i = 0; i < m; i++) {
            for (int blk = 0; blk < k / 32; blk++) {
                int o = i * k + blk * 32;
                float amax = 0;
                for (int t = 0; t < 32; t++) amax = Math.max(amax, Math.abs(x[o + t]));
                d[i * (k / 32) + blk] = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
                float id = amax != 0 ? 127f / amax : 0f;
                for (int t = 0; t < 32; t++) q[o + t] = (byte) (int) Math.rint(x[o + t] * id);
            }
        }
    }

    static WeightMatrix weights(int n, int k, WFill fill, SplittableRandom r) {
        int nb = k / 32;
        MemorySegment s = Arena.ofAuto().allocate((long) n * nb * 34);
        for (long blk = 0; blk < (long) n * nb; blk++) {
            long o = blk * 34;
            short dh = switch (fill) {
                case ZERO_SCALE -> (short) (blk % 2 == 0 ? 0x0000 : 0x8000);
                case SUBNORMAL_SCALE -> (short) (1 + r.nextInt(0x3ff));
                default -> (short) ((r.nextInt(2) << 15) | ((5 + r.nextInt(12)) << 10) | r.nextInt(0x400));
            };
            s.set(FP16, o, dh);
            for (int t = 0; t < 32; t++) {
                byte v = switch (fill) {
                    case ALL_PLUS_127 -> 127;
                    case ALL_MINUS_128 -> -128;
                    default -> (byte) r.nextInt(256);
                };
                s.set(ValueLayout.JAVA_BYTE, o + 2 + t, v);
            }
        }
        return new WeightMatrix("w" + n + "x" + k, GgmlType.Q8_0, n, k, s);
    }

    static float[] acts(int m, int k, AFill fill, SplittableRandom r) {
        float[] x = new float[m * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = switch (fill) {
                case EQUAL_POSITIVE -> 0.75f;
                case EQUAL_NEGATIVE -> -3.5f;
                case ZERO -> 0f;
                case TINY_SUBNORMAL_D -> (float) (r.nextDouble(-1, 1) * 2e-5); // amax/127 below 2^-14: fp16 subnormal
                default -> (float) (r.nextDouble(-1, 1) * Math.scalb(1.0, r.nextInt(12) - 6));
            };
        }
        return x;
    }
}
