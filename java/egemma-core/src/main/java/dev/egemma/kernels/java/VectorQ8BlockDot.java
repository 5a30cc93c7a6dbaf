// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * {@link BlockDot} for the weight types whose activations are Q8_0 and whose blocks have one scale and no min (Q8_0
 * itself, Q4_0, Q5_0, IQ4_NL) on the Vector API, bit for bit: per output {@code acc = fma((float) isum_b, d_w * d_a, acc)}
 * block after block, libegemma's {@code EGEMMA_Q8_0_ORDER_BLOCK}.
 *
 * <p>The lanes run across activation rows, not along a row: the activations come in groups of {@link #GROUP} rows whose
 * quants are one vector per element ({@link BlockActivations#qf()} grouped, their scales in {@link BlockActivations#dg()}),
 * and each quant of a weight row, widened to float once, is broadcast against them. A block's integer dots with the
 * {@code GROUP} rows are then 32 FMAs into one vector, each lane summing its own row's products: integers of magnitude at
 * most 128 * 128 = 2^14, 32 of them, so every partial sum (at most 2^19) is exact in float and the lane ends with the
 * exact {@code isum}. One FMA per block then does BlockDot's float step for all of them: {@code acc = fma(isum, d_a * d_w, acc)}
 * ({@code d_a * d_w} is {@code d_w * d_a}, rounded once). No horizontal sum at all, and no lane ever meets another, so an
 * output's bits depend neither on the rows beside it nor on the tile it falls in.
 *
 * <p>Speed: a register tile is 4 weight rows x 2 groups (8 isum and 8 acc vectors: each activation vector loaded serves
 * 4 weight rows, each broadcast 2 groups); weight rows are widened {@link #NW} at a time, then every group pair runs
 * against them while its quants sit in L2. Missing weight rows of a tile repeat the last one, a missing group is a tile
 * of one group; the rows that complete the last group are zeros, their outputs dropped.
 *
 * <p>Up to {@value #SMALL_BATCH} rows (a query, a short text: most lanes of a group would be padding) come in groups of
 * {@value #NARROW} rows instead, and a vector holds {@code E = GROUP / 4} consecutive elements of the group's 4 rows
 * (lane {@code e' * 4 + i}: element {@code e'} of the chunk, row {@code i}; the same grouped layout, group 4). Against it
 * goes the weight row's chunk, each element repeated 4 times (one lane shuffle of the widened row): a block is
 * {@code 32 / E} FMAs per weight row instead of 32, each lane summing every E-th product of its row; then the E lanes of
 * a row are added (exact: at most 2^19 in all) by {@code log2(E)} shuffle-and-add steps, which leaves every lane with
 * its row's isum, and the float step is the same FMA.
 */
final class VectorQ8BlockDot {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Activation rows per group: the float lanes. */
    static final int GROUP = F.length();
    /** Bytes with as many lanes as {@link #F}, for widening the weight quants. */
    private static final VectorSpecies<Byte> B = GROUP == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    /** Weight rows widened together. */
    private static final int NW = 16;
    /** Rows per group of a small batch. */
    static final int NARROW = 4;
    /** Batches of at most this many rows come in groups of {@link #NARROW}. */
    static final int SMALL_BATCH = 8;
    /** Elements of a chunk of a narrow group's vector. */
    private static final int E = GROUP / NARROW;
    /** Lane {@code e' * 4 + i} takes element {@code j * E + e'} of an L-element load: chunk {@code j} of the load, each element 4 times. */
    private static final VectorShuffle<Float> CHUNK0 = chunk(0), CHUNK1 = chunk(1), CHUNK2 = chunk(2), CHUNK3 = chunk(3);
    /** Lane l paired with {@code l ^ 4} and {@code l ^ 8} (16 lanes only): the lanes of one row, other elements. */
    private static final VectorShuffle<Float> XOR4 = VectorShuffle.fromOp(F, l -> l ^ 4), XOR8 = VectorShuffle.fromOp(F, l -> (l ^ 8) % GROUP);
    /** Lane l takes lane {@code l % 4}: a narrow group's 4 block scales in every chunk position. */
    private static final VectorShuffle<Float> REPEAT4 = VectorShuffle.fromOp(F, l -> l % NARROW);

    private static VectorShuffle<Float> chunk(int j) {
        return VectorShuffle.fromOp(F, l -> j * E + l / NARROW);
    }

    /** The rows per group of a batch of {@code m} rows. */
    static int group(int m) {
        return m <= SMALL_BATCH ? NARROW : GROUP;
    }

    private VectorQ8BlockDot() {}

    /** 8 or 16 float lanes (AVX2, AVX-512): one 32-element block is a whole number of weight vectors to widen. */
    static boolean usable() {
        return GROUP == 8 || GROUP == 16;
    }

    /** Per thread: the raw or unpacked weight row, {@link #NW} widened rows and their scales, a tile's accumulators. */
    private static final class Scratch {
        final BlockFormat.Unpacked u = new BlockFormat.Unpacked();
        byte[] raw = new byte[0];
        float[] w = new float[0], wd = new float[0];
        final float[] lanes = new float[8 * GROUP];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** As {@link BlockDot#matmul}; {@code a} must carry its float quants in groups of {@link #group}{@code (rows)}. */
    static void matmul(BlockFormat f, BlockActivations a, MemorySegment data, long rowBytes, int n0, int n1, float[] out, int ldOut) {
        int k = a.cols(), m = a.rows(), nb = k / 32, gr = a.group();
        if (gr != group(m) || a.qf() == null) throw new IllegalArgumentException("activations not prepared in groups of " + group(m) + " rows");
        if (m == 0 || n0 == n1) return;
        Scratch s = SCRATCH.get();
        if (s.w.length < NW * k) {
            s.w = new float[NW * k];
            s.wd = new float[NW * nb];
        }
        int groups = (m + gr - 1) / gr;
        for (int c0 = n0; c0 < n1; c0 += NW) {
            int c1 = Math.min(n1, c0 + NW);
            for (int n = c0; n < c1; n++) widen(f, data, rowBytes, n, k, s, n - c0);
            for (int g = 0; g < groups; g += gr == NARROW ? 1 : 2) {
                int tileGroups = gr == NARROW || g + 1 == groups ? 1 : 2;
                for (int r = c0; r < c1; r += 4) {
                    int valid = Math.min(4, c1 - r), w0 = r - c0;
                    int w1 = w0 + Math.min(1, valid - 1), w2 = w0 + Math.min(2, valid - 1), w3 = w0 + Math.min(3, valid - 1);
                    if (gr == NARROW) narrow(a.qf(), a.dg(), k, nb, g, s.w, s.wd, w0, w1, w2, w3, s.lanes);
                    else if (tileGroups == 2) tile2(a.qf(), a.dg(), k, nb, g, s.w, s.wd, w0, w1, w2, w3, s.lanes);
                    else tile1(a.qf(), a.dg(), k, nb, g, s.w, s.wd, w0, w1, w2, w3, s.lanes);
                    store(s.lanes, tileGroups, g, gr, m, valid, out, ldOut, r);
                }
            }
        }
    }

    /**
     * The outputs of a tile: weight row {@code r + wr} (for {@code wr < valid}) and row {@code i} of group {@code g + j}
     * (for {@code j < tileGroups}, {@code i < m}) from lane {@code i % gr} of {@code lanes[(2 wr + j) * GROUP ..]}.
     */
    private static void store(float[] lanes, int tileGroups, int g, int gr, int m, int valid, float[] out, int ldOut, int r) {
        for (int wr = 0; wr < valid; wr++)
            for (int j = 0; j < tileGroups; j++)
                for (int l = 0, i = (g + j) * gr; l < gr && i < m; l++, i++)
                    out[i * ldOut + r + wr] = lanes[(2 * wr + j) * GROUP + l];
    }

    /** Weight row {@code n}: its quants as floats into {@code s.w[slot * k ..]}, its block scales into {@code s.wd[slot * nb ..]}. */
    private static void widen(BlockFormat f, MemorySegment data, long rowBytes, int n, int k, Scratch s, int slot) {
        if (f == BlockFormat.Q8_0) {
            widenQ8_0(data, rowBytes, n, k, s, slot);
            return;
        }
        BlockFormat.Unpacked u = s.u;
        u.row(f, data, rowBytes, n, k);
        int wo = slot * k, nb = k / 32;
        for (int e = 0; e < k; e += GROUP)
            ((FloatVector) ByteVector.fromArray(B, u.q, e).convertShape(VectorOperators.B2F, F, 0)).intoArray(s.w, wo + e);
        System.arraycopy(u.d, 0, s.wd, slot * nb, nb);
    }

    /**
     * {@link #widen} of a Q8_0 row straight from its blocks (one bulk copy, then each block's fp16 d and its 32 int8 widened
     * by vectors): unpacking it first cost a copy per block, the bulk of a short text's product.
     */
    private static void widenQ8_0(MemorySegment data, long rowBytes, int n, int k, Scratch s, int slot) {
        if (s.raw.length < rowBytes) s.raw = new byte[(int) rowBytes];
        byte[] raw = s.raw;
        MemorySegment.copy(data, java.lang.foreign.ValueLayout.JAVA_BYTE, n * rowBytes, raw, 0, (int) rowBytes);
        int wo = slot * k, nb = k / 32, dOff = slot * nb;
        for (int b = 0, at = 0; b < nb; b++, at += WeightRows.Q8_BLOCK_BYTES) {
            s.wd[dOff + b] = BlockFormat.half(raw, at);
            for (int j = 0; j < 32; j += GROUP)
                ((FloatVector) ByteVector.fromArray(B, raw, at + 2 + j).convertShape(VectorOperators.B2F, F, 0)).intoArray(s.w, wo + b * 32 + j);
        }
    }

    /**
     * Groups {@code g} and {@code g+1} against the widened weight rows in slots {@code w0..w3}: the accumulators of weight
     * row r and group j leave in {@code lanes[(2r + j) * GROUP ..]} (through memory: a vector passed to a call C2 does
     * not inline is boxed).
     */
    private static void tile2(float[] qf, float[] dg, int k, int nb, int g, float[] w, float[] wd, int w0, int w1, int w2, int w3, float[] lanes) {
        int qa = g * k * GROUP, qb = qa + k * GROUP, da = g * nb * GROUP, db = da + nb * GROUP;
        int o0 = w0 * k, o1 = w1 * k, o2 = w2 * k, o3 = w3 * k;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int b = 0; b < nb; b++) {
            FloatVector s00 = FloatVector.zero(F), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00;
            for (int e = b * 32, end = e + 32; e < end; e++) {
                FloatVector x0 = FloatVector.fromArray(F, qf, qa + e * GROUP), x1 = FloatVector.fromArray(F, qf, qb + e * GROUP);
                FloatVector v0 = FloatVector.broadcast(F, w[o0 + e]), v1 = FloatVector.broadcast(F, w[o1 + e]);
                FloatVector v2 = FloatVector.broadcast(F, w[o2 + e]), v3 = FloatVector.broadcast(F, w[o3 + e]);
                s00 = x0.fma(v0, s00); s01 = x1.fma(v0, s01);
                s10 = x0.fma(v1, s10); s11 = x1.fma(v1, s11);
                s20 = x0.fma(v2, s20); s21 = x1.fma(v2, s21);
                s30 = x0.fma(v3, s30); s31 = x1.fma(v3, s31);
            }
            FloatVector d0 = FloatVector.fromArray(F, dg, da + b * GROUP), d1 = FloatVector.fromArray(F, dg, db + b * GROUP);
            float e0 = wd[w0 * nb + b], e1 = wd[w1 * nb + b], e2 = wd[w2 * nb + b], e3 = wd[w3 * nb + b];
            a00 = s00.fma(d0.mul(e0), a00); a01 = s01.fma(d1.mul(e0), a01);
            a10 = s10.fma(d0.mul(e1), a10); a11 = s11.fma(d1.mul(e1), a11);
            a20 = s20.fma(d0.mul(e2), a20); a21 = s21.fma(d1.mul(e2), a21);
            a30 = s30.fma(d0.mul(e3), a30); a31 = s31.fma(d1.mul(e3), a31);
        }
        a00.intoArray(lanes, 0);
        a01.intoArray(lanes, GROUP);
        a10.intoArray(lanes, 2 * GROUP);
        a11.intoArray(lanes, 3 * GROUP);
        a20.intoArray(lanes, 4 * GROUP);
        a21.intoArray(lanes, 5 * GROUP);
        a30.intoArray(lanes, 6 * GROUP);
        a31.intoArray(lanes, 7 * GROUP);
    }

    /** Group {@code g} alone (the last of an odd count): {@link #tile2}'s operations per lane, its outputs at {@code lanes[2r * GROUP ..]}. */
    private static void tile1(float[] qf, float[] dg, int k, int nb, int g, float[] w, float[] wd, int w0, int w1, int w2, int w3, float[] lanes) {
        int qa = g * k * GROUP, da = g * nb * GROUP;
        int o0 = w0 * k, o1 = w1 * k, o2 = w2 * k, o3 = w3 * k;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < nb; b++) {
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            for (int e = b * 32, end = e + 32; e < end; e++) {
                FloatVector x = FloatVector.fromArray(F, qf, qa + e * GROUP);
                s0 = x.fma(FloatVector.broadcast(F, w[o0 + e]), s0);
                s1 = x.fma(FloatVector.broadcast(F, w[o1 + e]), s1);
                s2 = x.fma(FloatVector.broadcast(F, w[o2 + e]), s2);
                s3 = x.fma(FloatVector.broadcast(F, w[o3 + e]), s3);
            }
            FloatVector d = FloatVector.fromArray(F, dg, da + b * GROUP);
            a0 = s0.fma(d.mul(wd[w0 * nb + b]), a0);
            a1 = s1.fma(d.mul(wd[w1 * nb + b]), a1);
            a2 = s2.fma(d.mul(wd[w2 * nb + b]), a2);
            a3 = s3.fma(d.mul(wd[w3 * nb + b]), a3);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, 2 * GROUP);
        a2.intoArray(lanes, 4 * GROUP);
        a3.intoArray(lanes, 6 * GROUP);
    }

    /**
     * Narrow group {@code g} (4 rows, {@code E} elements a vector) against the widened weight rows in slots {@code w0..w3}:
     * weight row r's accumulator leaves in {@code lanes[2r * GROUP ..]}, row i of the group in lane i.
     */
    private static void narrow(float[] qf, float[] dg, int k, int nb, int g, float[] w, float[] wd, int w0, int w1, int w2, int w3, float[] lanes) {
        int qa = g * k * NARROW, da = g * nb * NARROW;
        int o0 = w0 * k, o1 = w1 * k, o2 = w2 * k, o3 = w3 * k;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < nb; b++) {
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            // a load of GROUP weight elements is NARROW chunks of E; each chunk meets one activation vector
            for (int e = b * 32, end = e + 32; e < end; e += GROUP) {
                FloatVector v0 = FloatVector.fromArray(F, w, o0 + e), v1 = FloatVector.fromArray(F, w, o1 + e);
                FloatVector v2 = FloatVector.fromArray(F, w, o2 + e), v3 = FloatVector.fromArray(F, w, o3 + e);
                FloatVector x = FloatVector.fromArray(F, qf, qa + e * NARROW);
                s0 = x.fma(v0.rearrange(CHUNK0), s0); s1 = x.fma(v1.rearrange(CHUNK0), s1);
                s2 = x.fma(v2.rearrange(CHUNK0), s2); s3 = x.fma(v3.rearrange(CHUNK0), s3);
                x = FloatVector.fromArray(F, qf, qa + (e + E) * NARROW);
                s0 = x.fma(v0.rearrange(CHUNK1), s0); s1 = x.fma(v1.rearrange(CHUNK1), s1);
                s2 = x.fma(v2.rearrange(CHUNK1), s2); s3 = x.fma(v3.rearrange(CHUNK1), s3);
                x = FloatVector.fromArray(F, qf, qa + (e + 2 * E) * NARROW);
                s0 = x.fma(v0.rearrange(CHUNK2), s0); s1 = x.fma(v1.rearrange(CHUNK2), s1);
                s2 = x.fma(v2.rearrange(CHUNK2), s2); s3 = x.fma(v3.rearrange(CHUNK2), s3);
                x = FloatVector.fromArray(F, qf, qa + (e + 3 * E) * NARROW);
                s0 = x.fma(v0.rearrange(CHUNK3), s0); s1 = x.fma(v1.rearrange(CHUNK3), s1);
                s2 = x.fma(v2.rearrange(CHUNK3), s2); s3 = x.fma(v3.rearrange(CHUNK3), s3);
            }
            // the E lanes of each row added: every lane then holds its row's isum
            s0 = s0.add(s0.rearrange(XOR4)); s1 = s1.add(s1.rearrange(XOR4)); s2 = s2.add(s2.rearrange(XOR4)); s3 = s3.add(s3.rearrange(XOR4));
            if (E == 4) {
                s0 = s0.add(s0.rearrange(XOR8)); s1 = s1.add(s1.rearrange(XOR8)); s2 = s2.add(s2.rearrange(XOR8)); s3 = s3.add(s3.rearrange(XOR8));
            }
            FloatVector d = FloatVector.fromArray(F, dg, da + b * NARROW).rearrange(REPEAT4);
            a0 = s0.fma(d.mul(wd[w0 * nb + b]), a0);
            a1 = s1.fma(d.mul(wd[w1 * nb + b]), a1);
            a2 = s2.fma(d.mul(wd[w2 * nb + b]), a2);
            a3 = s3.fma(d.mul(wd[w3 * nb + b]), a3);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, 2 * GROUP);
        a2.intoArray(lanes, 4 * GROUP);
        a3.intoArray(lanes, 6 * GROUP);
    }
}
