package dev.egemma.kernels.java;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * {@link BlockDot} on the Vector API, bit for bit: a weight row is unpacked once with its integer scales folded into
 * its quants ({@code sc[j] * q[e]}, exact in int32), then each block's integer dot with an activation row is one
 * int32 vector of lane sums reduced once (exact, so the lane order does not matter); the float operations per block
 * are {@link BlockDot}'s own.
 */
final class VectorBlockDot {
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    /** As many bytes as {@link #INTS} has lanes, widened to one int each. */
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(INTS.length() * 8));
    private static final int L = INTS.length();

    private VectorBlockDot() {}

    /** Whether the preferred int species divides a 16-value sub-block (8 or 16 lanes). */
    static boolean usable() {
        return 16 % L == 0 && L >= 4;
    }

    /** As {@link BlockDot#matmul}. */
    static void matmul(BlockFormat f, BlockActivations a, MemorySegment data, long rowBytes, int n0, int n1,
                       float[] out, int ldOut, BlockFormat.Unpacked w) {
        int k = a.cols(), block = f.block(), nb = k / block;
        byte[] aq = a.q();
        for (int n = n0; n < n1; n++) {
            w.row(f, data, rowBytes, n, k);
            int[] ws = w.scaled(f, k);
            for (int i = 0; i < a.rows(); i++) {
                int qo = i * k;
                float acc = 0f, accMin = 0f;
                for (int b = 0; b < nb; b++) {
                    IntVector sum = IntVector.zero(INTS);
                    for (int e = b * block, end = e + block; e < end; e += L) {
                        IntVector av = (IntVector) ByteVector.fromArray(BYTES, aq, qo + e).convertShape(VectorOperators.B2I, INTS, 0);
                        sum = sum.add(IntVector.fromArray(INTS, ws, e).mul(av));
                    }
                    int isum = sum.reduceLanes(VectorOperators.ADD);
                    acc = BlockDot.accumulate(f, w, a, i, b, isum, acc);
                    accMin = BlockDot.accumulateMin(f, w, a, i, b, f.min == BlockFormat.Min.INT ? BlockDot.minSum(f, w, a, i, b) : 0, accMin);
                }
                out[i * ldOut + n] = BlockDot.result(f, acc, accMin);
            }
        }
    }
}
