// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.WeightMatrix;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The 32-wide weight types without sub-block scales (Q4_0, Q5_0, IQ4_NL, and Q4_1, Q5_1 with their float mins) rewritten
 * as Q8_0 blocks holding the same quants: each block's fp16 {@code d} kept, its quants expanded to int8 (Q4_1/Q5_1's
 * unsigned 0..31 too). Their activations are Q8_0, or Q8_1 (Q8_0's quants and scales plus a sum per block), so the
 * {@code acc} of their block-order product ({@link BlockDot}: {@code acc = fma(isum, d_w*d_a, acc)} per 32-block) is
 * exactly a Q8_0 product in the block order, and any Q8_0 block-order kernel (libegemma's GEMM on every tier) computes
 * it bit for bit; Q4_1/Q5_1 then add their min term ({@link #mins}).
 */
public final class Q8Expansion {
    private Q8Expansion() {}

    /** Whether {@code t} (not Q8_0 itself) has products that are Q8_0 block-order products of its {@link #expand expansion}. */
    public static boolean expands(GgmlType t) {
        BlockFormat f = BlockFormat.of(t);
        return f != null && f != BlockFormat.Q8_0 && f.sub == f.block() && (f.activations == GgmlType.Q8_0 || f.activations == GgmlType.Q8_1);
    }

    /** Whether {@code t}'s expansion leaves a min term (Q4_1, Q5_1: {@code accMin = fma(m_w, s_a, accMin)} per block). */
    public static boolean hasMinTerm(GgmlType t) {
        return expands(t) && BlockFormat.of(t).min == BlockFormat.Min.FLOAT;
    }

    /** Bytes of the expansion of {@code w}: its rows as Q8_0. */
    public static long expandedBytes(WeightMatrix w) {
        return GgmlType.Q8_0.byteSize(w.cols()) * w.rows();
    }

    /** Rows {@code [r0, r1)} of {@code w} as Q8_0 rows into {@code dst} (row {@code r} at {@code (r - r0) * Q8_0 row bytes}). */
    public static void expand(WeightMatrix w, int r0, int r1, MemorySegment dst) {
        expand(w, r0, r1, dst, null);
    }

    /**
     * As {@link #expand(WeightMatrix, int, int, MemorySegment)}, and for a {@link #hasMinTerm} type its float mins
     * {@code m} from the same unpacking into {@code mins} ({@code cols/32} per row, row {@code r} from index
     * {@code (r - r0) * cols/32}) unless it is null.
     */
    public static void expand(WeightMatrix w, int r0, int r1, MemorySegment dst, float[] mins) {
        if (!expands(w.type())) throw new IllegalArgumentException(w.name() + ": " + w.type() + " has no Q8_0 expansion");
        if (r0 < 0 || r1 > w.rows() || r0 > r1) throw new IndexOutOfBoundsException(w.name() + ": rows [" + r0 + ", " + r1 + ") of " + w.rows());
        long q8Row = GgmlType.Q8_0.byteSize(w.cols());
        if (dst.byteSize() < q8Row * (r1 - r0)) throw new IllegalArgumentException(w.name() + ": " + dst.byteSize() + " bytes for " + (r1 - r0) + " Q8_0 rows");
        if (mins != null && (!hasMinTerm(w.type()) || mins.length < (long) (r1 - r0) * (w.cols() / 32)))
            throw new IllegalArgumentException(w.name() + ": " + w.type() + " has no min term, or " + mins.length + " floats do not hold its mins");
        BlockFormat f = BlockFormat.of(w.type());
        BlockFormat.Unpacked u = new BlockFormat.Unpacked();
        int k = w.cols(), nb = k / 32;
        for (int r = r0; r < r1; r++) {
            u.row(f, w.data(), w.rowBytes(), r, k);
            if (mins != null) System.arraycopy(u.dm, 0, mins, (r - r0) * nb, nb);
            long o = (r - r0) * q8Row;
            for (int b = 0; b < nb; b++, o += WeightRows.Q8_BLOCK_BYTES) {
                // the block's d as stored: its fp16 bits (d widened to float and back is exact, NaN payloads aside)
                dst.set(WeightRows.LE_SHORT, o, w.data().get(WeightRows.LE_SHORT, r * w.rowBytes() + (long) b * w.type().typeSize));
                MemorySegment.copy(u.q, b * 32, dst, ValueLayout.JAVA_BYTE, o + 2, 32);
            }
        }
    }
}
