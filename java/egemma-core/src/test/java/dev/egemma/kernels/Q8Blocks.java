// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Test rows of ggml Q8_0 blocks (fp16 scale + 32 int8), the fills that stress the kernels, an exact reference and
 * the tolerance two evaluation orders of the same dot may differ by.
 *
 * <p>Tolerance, derived: each block's integer sum is exact (|sum| <= 2^19) and {@code d_a*d_b} is exact in float
 * (two 11-bit significands; fp16 exponents keep the product well inside float's normal range). Rounding happens
 * only where a block's (or a SIMD lane's partial) integer sum is multiplied by that product, and in the float
 * additions. A sum of m such once-rounded terms evaluated in any order is within gamma_(m+1) * S of the exact
 * value (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., eq. 3.5), where u = 2^-24,
 * gamma_k = k u / (1 - k u) and S = sum over blocks |d_a d_b| * sum_i |qa_i qb_i| bounds the magnitude of every
 * grouping of the terms. A tier splits a block into at most 32 lanes, so m <= 32 n and two tiers differ by at
 * most 2 gamma_(32n+1) S. For n = 300 random blocks that is about 1e-3 relative to S.
 */
public final class Q8Blocks {
    public static final int BLOCK_BYTES = 34;
    private static final ValueLayout.OfShort FP16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Q8Blocks() {}

    /** Ways to fill a row. */
    public enum Fill {
        RANDOM, ALL_MAX, ALL_MIN, MAX_MIN_ALTERNATING, ZERO_SCALE, SUBNORMAL_SCALE, MAX_FP16_SCALE, UNIT_SCALE,
        /** quants in [-127, 127], the range ggml's quantizers produce */
        GGML_RANGE
    }

    /** A heap row of n blocks at byte offset {@code pad} (pad 1 makes the scales odd-aligned). */
    public static MemorySegment row(int n, Fill fill, long seed, int which, int pad) {
        MemorySegment s = MemorySegment.ofArray(new byte[pad + n * BLOCK_BYTES]);
        SplittableRandom r = new SplittableRandom(seed * 31 + which);
        for (int blk = 0; blk < n; blk++) {
            long p = pad + (long) blk * BLOCK_BYTES;
            short d = switch (fill) {
                case ZERO_SCALE -> (short) (blk % 2 == 0 ? 0x0000 : 0x8000);
                case SUBNORMAL_SCALE -> (short) (1 + r.nextInt(0x3ff));
                case MAX_FP16_SCALE -> (short) 0x7bff;
                case UNIT_SCALE -> (short) 0x3c00;
                default -> (short) ((r.nextInt(2) << 15) | ((5 + r.nextInt(12)) << 10) | r.nextInt(0x400));
            };
            s.set(FP16, p, d);
            for (int i = 0; i < 32; i++) {
                byte q = switch (fill) {
                    case ALL_MAX -> 127;
                    case ALL_MIN -> -128;
                    case MAX_MIN_ALTERNATING -> (byte) ((i + which) % 2 == 0 ? 127 : -128);
                    case GGML_RANGE -> (byte) (r.nextInt(255) - 127);
                    default -> (byte) r.nextInt(256);
                };
                s.set(ValueLayout.JAVA_BYTE, p + 2 + i, q);
            }
        }
        return s;
    }

    /** {exact value, S}; exact in double: every term is an integer times a product of two fp16 values. */
    public static double[] exactAndMagnitude(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        java.math.BigDecimal exact = java.math.BigDecimal.ZERO;
        double mag = 0;
        for (int blk = 0; blk < n; blk++) {
            long pa = aOff + (long) blk * BLOCK_BYTES, pb = bOff + (long) blk * BLOCK_BYTES;
            double d = (double) Float.float16ToFloat(a.get(FP16, pa)) * Float.float16ToFloat(b.get(FP16, pb));
            long sumi = 0, sumAbs = 0;
            for (int i = 0; i < 32; i++) {
                long prod = (long) a.get(ValueLayout.JAVA_BYTE, pa + 2 + i) * b.get(ValueLayout.JAVA_BYTE, pb + 2 + i);
                sumi += prod;
                sumAbs += Math.abs(prod);
            }
            exact = exact.add(new java.math.BigDecimal(d).multiply(java.math.BigDecimal.valueOf(sumi)));
            mag += Math.abs(d) * sumAbs;
        }
        return new double[] {exact.doubleValue(), mag};
    }

    /** gamma_k = k u / (1 - k u), u = 2^-24. */
    public static double gamma(double k) {
        double u = Math.scalb(1.0, -24);
        return k * u / (1 - k * u);
    }

    /** Bound on |result - exact| for any tier: gamma_(32n+1) * S. */
    public static double toleranceVsExact(int n, double magnitude) {
        return gamma(32.0 * n + 1) * magnitude;
    }

    /** Bound on |tier1 - tier2|. */
    public static double toleranceBetweenTiers(int n, double magnitude) {
        return 2 * toleranceVsExact(n, magnitude);
    }
}
