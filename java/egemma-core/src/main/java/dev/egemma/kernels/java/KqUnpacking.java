// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.WeightMatrix;

/**
 * The super-block weight types (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS: their activations are Q8_K) as integers, in
 * the form libegemma's super-block GEMM packs ({@code egemma_kq_pack}): per element an int8 quant, per sub-block an
 * int8 scale and (with mins) an int8 min, per 256-element super-block a float {@code d} and {@code dmin}. These are
 * {@link BlockFormat}'s unpacked values, so a product of them in the block order is {@link BlockDot}'s, bit for bit.
 * Every scale and min fits int8: 4-bit (Q2_K), 6-bit (Q4_K, Q5_K), 6-bit minus 32 (Q3_K, IQ4_XS), int8 (Q6_K).
 */
public final class KqUnpacking {
    private KqUnpacking() {}

    /** Whether {@code t}'s products are super-block products with Q8_K activations. */
    public static boolean isKq(GgmlType t) {
        BlockFormat f = BlockFormat.of(t);
        return f != null && f.activations == GgmlType.Q8_K;
    }

    /** Elements per integer scale of {@code t} (16 or 32). */
    public static int sub(GgmlType t) {
        return format(t).sub;
    }

    /** Whether {@code t} has integer mins per sub-block (Q2_K, Q4_K, Q5_K). */
    public static boolean hasMins(GgmlType t) {
        return format(t).min == BlockFormat.Min.INT;
    }

    private static BlockFormat format(GgmlType t) {
        if (!isKq(t)) throw new IllegalArgumentException(t + " is not a super-block type with Q8_K activations");
        return BlockFormat.of(t);
    }

    /** Reusable arrays for {@link #unpack}: quants, scales, mins, d and dmin of up to {@code rows} rows of {@code k}. */
    public static final class Rows {
        public final byte[] q, sc, mn;
        public final float[] d, dmin;
        private final BlockFormat.Unpacked u = new BlockFormat.Unpacked();

        public Rows(int rows, int k, int sub) {
            q = new byte[Math.multiplyExact(rows, k)];
            sc = new byte[rows * (k / sub)];
            mn = new byte[rows * (k / sub)];
            d = new float[rows * (k / 256)];
            dmin = new float[rows * (k / 256)];
        }
    }

    /** Rows {@code [r0, r1)} of {@code w} into {@code out} (row {@code r} at index {@code r - r0}). */
    public static void unpack(WeightMatrix w, int r0, int r1, Rows out) {
        BlockFormat f = format(w.type());
        int k = w.cols(), subs = k / f.sub, nb = k / 256;
        if (r0 < 0 || r1 > w.rows() || r0 > r1) throw new IndexOutOfBoundsException(w.name() + ": rows [" + r0 + ", " + r1 + ") of " + w.rows());
        if ((long) (r1 - r0) * k > out.q.length) throw new IllegalArgumentException(w.name() + ": " + (r1 - r0) + " rows do not fit the arrays");
        for (int r = r0; r < r1; r++) {
            out.u.row(f, w.data(), w.rowBytes(), r, k);
            int i = r - r0;
            System.arraycopy(out.u.q, 0, out.q, i * k, k);
            for (int s = 0; s < subs; s++) {
                out.sc[i * subs + s] = (byte) out.u.sc[s];
                out.mn[i * subs + s] = (byte) out.u.mn[s];
            }
            System.arraycopy(out.u.d, 0, out.d, i * nb, nb);
            System.arraycopy(out.u.dm, 0, out.dmin, i * nb, nb);
        }
    }
}
