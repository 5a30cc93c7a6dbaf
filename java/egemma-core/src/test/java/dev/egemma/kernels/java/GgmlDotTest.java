// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.Kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link BlockDot#dot} against ggml's own {@code vec_dot} (libggml-cpu-zen4.so; haswell's gave the same bits) on the
 * same activation blocks (testdata/ggml-vectors/dot-*.bin: 14 weight rows per type, half quantized by ggml's
 * quantize_row_*_ref from random floats, half random bytes with sane fp16 scales; k 96..3072, 1152 for the 32-wide
 * types; activations gaussian, multi-scale, .5 ties and zero blocks). Also: {@link BlockActivations#quantize} of the
 * case's floats gives exactly the activation blocks ggml used.
 *
 * <p>The bound. Both sides compute T = sum over blocks b of D_b * I_b (+ or -) the min terms, where D_b = d_w * d_a
 * (dmin_w * d_a), I_b the block's exact integer sum (ggml's maddubs/madd sums never saturate for these ranges:
 * at most 2 * 63 * 128 per int16 pair), and the min terms dmin_w * d_a * (sum of mn * bsums) (K-quants) or m_w * s_a
 * (Q4_1, Q5_1: both read the same fp16 m and s). Only float roundings differ. Standard error analysis: if every term
 * t of a sum passes through at most n roundings (each relative error <= u = 2^-24) on its way to the result, then
 * |computed - T| <= gamma(n) * sum |t|, gamma(n) = n u / (1 - n u). Ours, per term: the scale product (1), the
 * int-to-float conversion of I_b (1; it can exceed 2^24), the fma chain over nb blocks (nb) and the final
 * acc -/+ accMin (1): n = nb + 3. ggml (x86 AVX2/AVX-512, any of its per-type paths): the scale product (1), the
 * conversion of its lane partials (1), a per-lane fma/add chain over the blocks with at most 2 extra per-block float
 * steps (nb + 2), a horizontal sum of at most 16 lanes (4), merging up to 2 accumulators and the min term (2): at
 * most nb + 10. So |ours - ggml| <= (gamma(nb + 3) + gamma(nb + 10)) * A, where A bounds sum |t| for every
 * split of the terms into lanes: A = sum_b |d_w d_a| * sum_e |sc_e q_e a_e| + sum_b |dmin_w d_a| * sum_j mn_j *
 * sum_{e in j} |a_e| (K-quants with mins) or + sum_b |m_w s_a| (Q4_1, Q5_1), computed here in double (exact
 * products of floats).
 */
class GgmlDotTest {
    private static final double U = 0x1p-24;

    @ParameterizedTest
    @ValueSource(strings = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_XS"})
    void withinTheDerivedBoundOfGgmlsVecDot(String name) {
        GgmlType type = GgmlType.valueOf(name);
        BlockFormat f = BlockFormat.of(type);
        ByteBuffer b = GgmlVectors.open("dot-" + GgmlVectors.fileName(type) + ".bin");
        assertEquals(type.id, b.getInt());
        assertEquals(f.activations.id, b.getInt(), "ggml's vec_dot_type");
        int cases = b.getInt();
        double worst = 0;
        int exact = 0;
        StringBuilder report = new StringBuilder();
        for (int c = 0; c < cases; c++) {
            int k = b.getInt();
            byte[] w = GgmlVectors.bytes(b, k / type.blockSize * type.typeSize);
            float[] x = GgmlVectors.floats(b, k);
            byte[] act = GgmlVectors.bytes(b, k / f.activations.blockSize * f.activations.typeSize);
            float expected = b.getFloat();

            BlockActivations a = GgmlVectors.activations(f.activations, act, k);
            BlockActivations quantized = BlockActivations.quantize(x, 1, k, f.activations, null, Kernels.SERIAL, 0);
            assertArrayEquals(a.q(), quantized.q(), "case " + c + ": activation quants");
            assertArrayEquals(a.d(), quantized.d(), "case " + c + ": activation scales");
            if (a.s() != null) assertArrayEquals(a.s(), quantized.s(), "case " + c + ": activation sums");
            if (a.bsums() != null) assertArrayEquals(a.bsums(), quantized.bsums(), "case " + c + ": activation bsums");

            MemorySegment seg = MemorySegment.ofArray(w);
            BlockFormat.Unpacked u = new BlockFormat.Unpacked();
            u.row(f, seg, seg.byteSize(), 0, k);
            float ours = BlockDot.dot(f, u, a, 0);

            int nb = k / f.block();
            double mag = magnitude(f, u, a, k);
            double bound = (gamma(nb + 3) + gamma(nb + 10)) * mag;
            double err = Math.abs((double) ours - (double) expected);
            assertTrue(Float.isFinite(expected) && Float.isFinite(ours), "case " + c + ": ggml " + expected + " ours " + ours);
            assertTrue(err <= bound, "case " + c + " (k " + k + "): ggml " + expected + " ours " + ours + " |diff| " + err
                    + " > bound " + bound + " (sum |terms| " + mag + ")");
            if (err == 0) exact++;
            if (bound > 0) worst = Math.max(worst, err / bound);
            report.append(String.format(" %.3g", bound > 0 ? err / bound : 0));
        }
        System.out.printf("%s vs ggml vec_dot: %d/%d cases bit-equal, worst |diff|/bound %.3g, per case:%s%n", type, exact, cases, worst, report);
    }

    static double gamma(int n) {
        return n * U / (1 - n * U);
    }

    /** A: the sum of the magnitudes of every term any lane split of the dot can have (see the class comment). */
    static double magnitude(BlockFormat f, BlockFormat.Unpacked u, BlockActivations a, int k) {
        double sum = 0;
        for (int bl = 0; bl < k / f.block(); bl++) {
            double dd = Math.abs((double) u.d[bl] * a.d()[bl]), ints = 0;
            for (int e = bl * f.block(); e < (bl + 1) * f.block(); e++) ints += Math.abs(u.sc[e / f.sub] * u.q[e] * a.q()[e]);
            sum += dd * ints;
            switch (f.min) {
                case NONE -> {}
                case FLOAT -> sum += Math.abs((double) u.dm[bl] * a.s()[bl]);
                case INT -> {
                    double mins = 0;
                    for (int j = bl * f.block() / f.sub; j < (bl + 1) * f.block() / f.sub; j++) {
                        double abs = 0;
                        for (int e = j * f.sub; e < (j + 1) * f.sub; e++) abs += Math.abs(a.q()[e]);
                        mins += u.mn[j] * abs;
                    }
                    sum += Math.abs((double) u.dm[bl] * a.d()[bl]) * mins;
                }
            }
        }
        return sum;
    }
}
