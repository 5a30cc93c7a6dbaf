// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import dev.egemma.kernels.WeightMatrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * F32/F16/BF16 weight products on the Vector API, bit-identical to {@link ScalarKernels#matmulFloat} for row
 * lengths that are a multiple of 16 (others go to the scalar code); also the opt-in fast Q8_0 product
 * ({@link VectorKernels#PROP_FAST_Q8}: dequantized activations against weight rows widened to {@code q * d}).
 * <p>
 * The order is llamafile's tinyBLAS F32 kernel, which llama.cpp runs for these products ({@link GgmlF32#tinyBlasDot}):
 * per output ONE 16-lane FMA accumulator over the whole row, element {@code j} in lane {@code j % 16}, then
 * {@link GgmlF32#reduce16}. An FMA is exact per lane, so the 16 lanes may live in one 16-lane vector or in two
 * 8-lane ones (lanes 0-7 in one pass over the row, 8-15 in a second): the same fused operations in the same
 * order per lane either way. The 16 lanes are then folded as {@code reduce16} does ({@link VectorKernels#hsum},
 * for 8-lane vectors after adding the upper half to the lower, reduce16's first step).
 * <p>
 * Speed: a register tile of 4 activation rows x 2 weight rows (8 accumulators: every weight vector loaded serves 4
 * rows, every activation vector 2 weight rows); weight rows are widened to float once per (64-row activation
 * chunk, weight row pair), the chunk staying in cache while the pair is reused. Every output runs the same
 * operations whichever tile or remainder it falls in, so a result depends neither on the batch nor on the split.
 */
final class VectorFloatMatmul {
    /** Static final so that C2 sees a constant species (an instance field defeats the Vector API intrinsics). */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Bytes with as many lanes as {@link #F}, for the Q8_0 widening. */
    private static final VectorSpecies<Byte> B = L == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    /** Activation rows per pass over a weight row pair. */
    private static final int M_CHUNK = 64;

    /** Per thread: two widened weight rows, a raw 16-bit row, the 16 accumulator lanes of a tile's 8 outputs. */
    private static final class Scratch {
        float[] y0 = new float[0], y1 = y0;
        short[] raw = new short[0];
        final float[] lanes = new float[8 * 16];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private VectorFloatMatmul() {}

    /** {@code out[i*ldOut + n] = dot(row i of x (m rows of k), weight row n)} for {@code n0 <= n < n1}; k a multiple of 16. */
    static void matmul(float[] x, int m, int k, WeightMatrix w, int n0, int n1, float[] out, int ldOut) {
        if (k % 16 != 0) throw new IllegalArgumentException(w.name() + ": tinyBLAS order needs a multiple of 16, got " + k);
        Scratch s = SCRATCH.get();
        if (s.y0.length < k) {
            s.y0 = new float[k];
            s.y1 = new float[k];
            s.raw = new short[k];
        }
        for (int i0 = 0; i0 < m; i0 += M_CHUNK) {
            int i1 = Math.min(m, i0 + M_CHUNK);
            for (int n = n0; n < n1; n += 2) {
                // an odd last weight row is paired with itself, its second output dropped
                boolean two = n + 1 < n1;
                widen(w, n, s.y0, s.raw);
                if (two) widen(w, n + 1, s.y1, s.raw);
                float[] y1 = two ? s.y1 : s.y0;
                int i = i0;
                for (; i + 3 < i1; i += 4) tile4x2(x, i * k, k, s.y0, y1, out, i * ldOut + n, ldOut, two, s.lanes);
                for (; i < i1; i++) tile1x2(x, i * k, k, s.y0, y1, out, i * ldOut + n, two, s.lanes);
            }
        }
    }

    /** Weight row {@code n} as floats, as {@link WeightRows#dequantizeRow} gives it (16-bit rows copied out first, to the heap). */
    private static void widen(WeightMatrix w, int n, float[] y, short[] raw) {
        MemorySegment s = w.data();
        long base = n * w.rowBytes();
        int k = w.cols();
        switch (w.type()) {
            case F32 -> MemorySegment.copy(s, WeightRows.LE_FLOAT, base, y, 0, k);
            case F16 -> {
                MemorySegment.copy(s, WeightRows.LE_SHORT, base, raw, 0, k);
                for (int j = 0; j < k; j++) y[j] = Float.float16ToFloat(raw[j]);
            }
            case BF16 -> {
                // bits << 16: the sign-extended upper half is shifted out. A plain loop: written with the Vector API
                // (S2I, LSHL, reinterpretAsFloats) it crashed Temurin 25.0.3's C2 ("fatal error: LSHIFT: float" in
                // VectorSupport::vop2ideal while late-inlining this method), now and then, mid test run.
                MemorySegment.copy(s, WeightRows.LE_SHORT, base, raw, 0, k);
                for (int j = 0; j < k; j++) y[j] = Float.intBitsToFloat(raw[j] << 16);
            }
            case Q8_0 -> {
                // q * d, exact in float (7 + 11 significant bits)
                for (int b = 0; b < k / 32; b++) {
                    long o = base + (long) b * WeightRows.Q8_BLOCK_BYTES;
                    FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(s.get(WeightRows.LE_SHORT, o)));
                    for (int j = 0; j < 32; j += L)
                        ((FloatVector) ByteVector.fromMemorySegment(B, s, o + 2 + j, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0))
                                .mul(d).intoArray(y, b * 32 + j);
                }
            }
            default -> throw new IllegalArgumentException(w.name() + ": unsupported type " + w.type());
        }
    }

    /** Rows at x[r0], x[r0+k], x[r0+2k], x[r0+3k] against weight rows y0, y1: outputs out[o + r*ldOut] (+1 if {@code two}). */
    private static void tile4x2(float[] x, int r0, int k, float[] y0, float[] y1, float[] out, int o, int ldOut, boolean two, float[] lanes) {
        int r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
        for (int off = 0; off < 16; off += L) {
            FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
            for (int j = off; j < k; j += 16) {
                FloatVector w0 = FloatVector.fromArray(F, y0, j), w1 = FloatVector.fromArray(F, y1, j);
                FloatVector a0 = FloatVector.fromArray(F, x, r0 + j), a1 = FloatVector.fromArray(F, x, r1 + j);
                FloatVector a2 = FloatVector.fromArray(F, x, r2 + j), a3 = FloatVector.fromArray(F, x, r3 + j);
                c00 = a0.fma(w0, c00); c01 = a0.fma(w1, c01);
                c10 = a1.fma(w0, c10); c11 = a1.fma(w1, c11);
                c20 = a2.fma(w0, c20); c21 = a2.fma(w1, c21);
                c30 = a3.fma(w0, c30); c31 = a3.fma(w1, c31);
            }
            // the accumulators leave through memory, not as arguments: a vector passed to a call C2 does not inline is boxed
            c00.intoArray(lanes, off);
            c01.intoArray(lanes, 16 + off);
            c10.intoArray(lanes, 32 + off);
            c11.intoArray(lanes, 48 + off);
            c20.intoArray(lanes, 64 + off);
            c21.intoArray(lanes, 80 + off);
            c30.intoArray(lanes, 96 + off);
            c31.intoArray(lanes, 112 + off);
        }
        for (int r = 0; r < 4; r++) {
            out[o + r * ldOut] = reduce16(lanes, 32 * r);
            if (two) out[o + r * ldOut + 1] = reduce16(lanes, 32 * r + 16);
        }
    }

    /** One row at x[r0] against weight rows y0, y1: outputs out[o] (and out[o+1] if {@code two}). */
    private static void tile1x2(float[] x, int r0, int k, float[] y0, float[] y1, float[] out, int o, boolean two, float[] lanes) {
        for (int off = 0; off < 16; off += L) {
            FloatVector c0 = FloatVector.zero(F), c1 = c0;
            for (int j = off; j < k; j += 16) {
                FloatVector a = FloatVector.fromArray(F, x, r0 + j);
                c0 = a.fma(FloatVector.fromArray(F, y0, j), c0);
                c1 = a.fma(FloatVector.fromArray(F, y1, j), c1);
            }
            c0.intoArray(lanes, off);
            c1.intoArray(lanes, 16 + off);
        }
        out[o] = reduce16(lanes, 0);
        if (two) out[o + 1] = reduce16(lanes, 16);
    }

    /**
     * {@link GgmlF32#reduce16} of {@code v[at..at+16)}: for 8-lane vectors the upper 8 added to the lower 8
     * lane-wise (reduce16's first step), then {@link VectorKernels#hsum}, whose folds (lanes i^8 for 16 lanes, then
     * i^4, i^2, i^1) are reduce16's steps (float addition is commutative, so operand order is free).
     */
    private static float reduce16(float[] v, int at) {
        FloatVector s = FloatVector.fromArray(F, v, at);
        if (L == 8) s = s.add(FloatVector.fromArray(F, v, at + 8));
        return VectorKernels.hsum(s);
    }
}
