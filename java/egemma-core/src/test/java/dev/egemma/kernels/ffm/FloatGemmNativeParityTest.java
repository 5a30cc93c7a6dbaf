// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.Activations;
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
 * libegemma's F32/F16/BF16 GEMM ({@link NativeKernels#matmul} on {@code egemma_float_gemm}) on every usable tier
 * (forced through the cap) against the Java scalar reference ({@link ScalarKernels#matmul}), bit for bit: both compute
 * llama.cpp's x86 order (tinyBLAS's one 16-lane fused accumulator per output when K is a multiple of 16, else
 * ggml_vec_dot_f32), and widening F16/BF16 to float is exact, so there is no tolerance to derive: any difference is a
 * different operation order. Sizes straddle the register tiles (4 x 6 rows on AVX-512, 2 x 3 on AVX2/NEON) and the
 * chunks of rows, K straddles the 16- and 64-element steps; output tiles start past column 0 and rows are padded.
 */
class FloatGemmNativeParityTest {

    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @AfterAll
    static void restoreBestTier() {
        NativeTestSupport.restoreBestTier();
    }

    static Stream<Arguments> sizes() {
        int[] s = {1, 2, 3, 7, 31, 32, 33, 63, 65, 255, 257};
        int[] ks = {16, 32, 48, 768, 1152, 1, 31, 33, 100, 257};
        GgmlType[] types = {GgmlType.F32, GgmlType.F16, GgmlType.BF16};
        List<Arguments> out = new ArrayList<>();
        for (Isa t : NativeTestSupport.tiers().toList())
            for (int i = 0; i < s.length; i++) {
                GgmlType type = types[i % 3];
                out.add(Arguments.of(t, type, s[i], s[(i * 7 + 3) % s.length], ks[i % ks.length]));
                out.add(Arguments.of(t, types[(i + 1) % 3], s[(i * 5 + 2) % s.length], s[i], ks[(i + 3) % ks.length]));
                out.add(Arguments.of(t, types[(i + 2) % 3], s[i], s[(i * 3 + 1) % s.length], ks[(i + 5) % ks.length]));
            }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} M={2} N={3} K={4}")
    @MethodSource("sizes")
    void equalsTheJavaReferenceBitForBit(Isa tier, GgmlType type, int m, int n, int k) {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        assertEquals(tier, b.setIsaLimit(tier));
        SplittableRandom rnd = new SplittableRandom((m * 31L + n) * 17 + k + type.id);
        WeightMatrix w = weights(type, n, k, rnd);
        float[] a = new float[m * k];
        for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextGaussian() * (i % 53 == 0 ? 400 : 2));
        int n0 = n > 2 ? 1 : 0, ldOut = n + 3;
        ScalarKernels ref = new ScalarKernels();
        NativeKernels nk = new NativeKernels(b, ref);
        float[] want = new float[m * ldOut], got = new float[m * ldOut];
        java.util.Arrays.fill(want, -7f);
        java.util.Arrays.fill(got, -7f); // entries outside the tile must stay untouched
        ref.matmul(ref.prepare(a, m, k, w), w, n0, n, want, ldOut);
        nk.matmul(nk.prepare(a, m, k, w), w, n0, n, got, ldOut);
        for (int i = 0; i < want.length; i++)
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                    () -> tier + " " + type + ": output differs from the Java reference");
    }

    /** n rows of k weights of type: gaussian, with fp16 subnormals and large magnitudes mixed in */
    static WeightMatrix weights(GgmlType type, int n, int k, SplittableRandom rnd) {
        long count = (long) n * k;
        MemorySegment s = Arena.ofAuto().allocate(count * type.typeSize);
        for (long i = 0; i < count; i++) {
            float x = (float) (rnd.nextGaussian() * 0.2);
            if (i % 97 == 5) x *= 1e-4f; // below fp16's smallest normal (6.1e-5)
            if (i % 89 == 7) x *= 3000f;
            switch (type) {
                case F32 -> s.set(LE_FLOAT, 4 * i, x);
                case F16 -> s.set(LE_SHORT, 2 * i, Float.floatToFloat16(x));
                default -> s.set(LE_SHORT, 2 * i, (short) (Float.floatToRawIntBits(x) >>> 16));
            }
        }
        return new WeightMatrix("w", type, n, k, s);
    }

    @Test
    void refusesWhatDoesNotFit() {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        NativeKernels nk = new NativeKernels(b, new ScalarKernels());
        WeightMatrix w = weights(GgmlType.F16, 4, 32, new SplittableRandom(1));
        Activations a = nk.prepare(new float[2 * 32], 2, 32, w);
        assertThrows(IndexOutOfBoundsException.class, () -> nk.matmul(a, w, 0, 5, new float[10], 5), "columns past n");
        assertThrows(IndexOutOfBoundsException.class, () -> nk.matmul(a, w, 0, 4, new float[7], 4), "output too small");
        WeightMatrix q8 = new WeightMatrix("q8", GgmlType.Q8_0, 4, 32, Arena.ofAuto().allocate(4 * 34));
        assertThrows(IllegalArgumentException.class, () -> nk.matmul(nk.prepare(new float[64], 2, 32, q8), w, 0, 4, new float[8], 4),
                "Q8_0 activations with F16 weights");
        MemorySegment f = MemorySegment.ofArray(new float[64]), out = MemorySegment.ofArray(new float[8]);
        assertThrows(IllegalArgumentException.class, () -> b.floatGemm(f, 2, 32, w.data(), 2, 4, 0, 4, out, 4), "Q4_0 is not a float type");
        assertThrows(IndexOutOfBoundsException.class, () -> b.floatGemm(f, 2, 32, w.data().asSlice(0, 255), EgemmaBinding.TYPE_F16, 4, 0, 4, out, 4),
                "weights one byte short");
        assertThrows(IndexOutOfBoundsException.class, () -> b.floatGemm(f, 3, 32, w.data(), EgemmaBinding.TYPE_F16, 4, 0, 4,
                MemorySegment.ofArray(new float[12]), 4), "activations short of a row");
        assertThrows(IllegalArgumentException.class, () -> b.floatGemm(f, 2, 32, w.data(), EgemmaBinding.TYPE_F16, 4, 0, 4, out, 3), "ldc < n1");
    }
}
