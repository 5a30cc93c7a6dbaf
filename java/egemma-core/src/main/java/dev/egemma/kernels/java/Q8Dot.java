// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Dot product of two rows of ggml Q8_0 blocks, the Java partner of libegemma's {@code egemma_q8_0_dot}.
 *
 * <p>Block layout (ggml {@code block_q8_0}): an IEEE fp16 scale {@code d} (little-endian), then 32 int8 quants;
 * {@value #BLOCK_BYTES} bytes, so blocks from a file are only 2-byte aligned. The value of quant {@code i} is
 * {@code d * q[i]}. Computed in ggml's order: per block an exact int sum of {@code qa[i]*qb[i]} (at most
 * 32*128*128 = 2^19 in magnitude), then {@code sumf += sumi * (da * db)} in float. Both versions below perform
 * exactly these float operations, so they agree bit for bit with each other and with libegemma's scalar tier.
 */
public final class Q8Dot {

    /** Quants per block. */
    public static final int QK = 32;
    /** Bytes per block: fp16 scale + 32 int8. */
    public static final int BLOCK_BYTES = 34;

    private static final ValueLayout.OfShort FP16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Whether the Vector API version can run here (module present and wide enough integer vectors). */
    public static final boolean VECTOR_AVAILABLE = VectorSupport.available();

    private Q8Dot() {}

    /**
     * Q8_0 dot of {@code nBlocks} blocks of {@code a} from byte {@code aOffset} and of {@code b} from
     * {@code bOffset}: the Vector API version where it runs, else the scalar one (same result either way).
     *
     * @throws IndexOutOfBoundsException if an operand does not hold {@code nBlocks} blocks from its offset
     */
    public static float dot(MemorySegment a, long aOffset, MemorySegment b, long bOffset, int nBlocks) {
        return VECTOR_AVAILABLE ? dotVector(a, aOffset, b, bOffset, nBlocks) : dotScalar(a, aOffset, b, bOffset, nBlocks);
    }

    /** Scalar reference: ggml's generic {@code ggml_vec_dot_q8_0_q8_0}, written out. */
    public static float dotScalar(MemorySegment a, long aOffset, MemorySegment b, long bOffset, int nBlocks) {
        checkArgs(a, aOffset, b, bOffset, nBlocks);
        float sumf = 0f;
        for (int blk = 0; blk < nBlocks; blk++) {
            long pa = aOffset + (long) blk * BLOCK_BYTES;
            long pb = bOffset + (long) blk * BLOCK_BYTES;
            int sumi = 0;
            for (int i = 0; i < QK; i++) {
                sumi += a.get(ValueLayout.JAVA_BYTE, pa + 2 + i) * b.get(ValueLayout.JAVA_BYTE, pb + 2 + i);
            }
            sumf += sumi * (scale(a, pa) * scale(b, pb));
        }
        return sumf;
    }

    /**
     * Vector API version: the int sum of each block with SIMD lanes (exact, so the order inside a block does not
     * matter), the float accumulation exactly as {@link #dotScalar}.
     *
     * @throws UnsupportedOperationException if {@link #VECTOR_AVAILABLE} is false
     */
    public static float dotVector(MemorySegment a, long aOffset, MemorySegment b, long bOffset, int nBlocks) {
        if (!VECTOR_AVAILABLE) throw new UnsupportedOperationException("the Vector API (jdk.incubator.vector) is not available");
        checkArgs(a, aOffset, b, bOffset, nBlocks);
        return VectorImpl.dot(a, aOffset, b, bOffset, nBlocks);
    }

    /** fp16 scale of the block at {@code offset}, as float (exact). */
    static float scale(MemorySegment s, long offset) {
        return Float.float16ToFloat(s.get(FP16, offset));
    }

    static void checkArgs(MemorySegment a, long aOffset, MemorySegment b, long bOffset, int nBlocks) {
        if (nBlocks < 0) throw new IllegalArgumentException("Q8_0 dot: negative block count " + nBlocks);
        long bytes = (long) nBlocks * BLOCK_BYTES;
        checkRange("a", a, aOffset, bytes);
        checkRange("b", b, bOffset, bytes);
    }

    private static void checkRange(String what, MemorySegment s, long offset, long bytes) {
        Objects.requireNonNull(s, what);
        if (offset < 0 || offset > s.byteSize() - bytes) {
            throw new IndexOutOfBoundsException("Q8_0 dot operand " + what + ": needs " + bytes + " bytes ("
                    + bytes / BLOCK_BYTES + " blocks) from offset " + offset + " but the segment holds " + s.byteSize());
        }
    }

    /** Decides, without loading any Vector API class unless the module is there. */
    private static final class VectorSupport {
        static boolean available() {
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return false;
            try {
                return VectorImpl.usable();
            } catch (LinkageError e) {
                return false;
            }
        }
    }

    /** Touches the Vector API; loaded only when the module is present. */
    private static final class VectorImpl {
        private static final jdk.incubator.vector.VectorSpecies<Integer> INTS =
                jdk.incubator.vector.IntVector.SPECIES_PREFERRED;
        /** bytes loaded at a time: 8 (ints up to 8 lanes) or 16 (16-lane ints, AVX-512) */
        private static final jdk.incubator.vector.VectorSpecies<Byte> BYTES = jdk.incubator.vector.VectorSpecies.of(byte.class,
                jdk.incubator.vector.VectorShape.forBitSize(Math.max(64, INTS.length() * 8)));
        /** int vectors per byte vector */
        private static final int PARTS = BYTES.length() / INTS.length();

        static boolean usable() {
            return INTS.length() >= 4 && QK % BYTES.length() == 0;
        }

        static float dot(MemorySegment a, long aOffset, MemorySegment b, long bOffset, int nBlocks) {
            float sumf = 0f;
            for (int blk = 0; blk < nBlocks; blk++) {
                long pa = aOffset + (long) blk * BLOCK_BYTES;
                long pb = bOffset + (long) blk * BLOCK_BYTES;
                jdk.incubator.vector.IntVector acc = jdk.incubator.vector.IntVector.zero(INTS);
                for (int i = 0; i < QK; i += BYTES.length()) {
                    var va = jdk.incubator.vector.ByteVector.fromMemorySegment(BYTES, a, pa + 2 + i, ByteOrder.LITTLE_ENDIAN);
                    var vb = jdk.incubator.vector.ByteVector.fromMemorySegment(BYTES, b, pb + 2 + i, ByteOrder.LITTLE_ENDIAN);
                    for (int part = 0; part < PARTS; part++) {
                        var ia = (jdk.incubator.vector.IntVector) va.convertShape(jdk.incubator.vector.VectorOperators.B2I, INTS, part);
                        var ib = (jdk.incubator.vector.IntVector) vb.convertShape(jdk.incubator.vector.VectorOperators.B2I, INTS, part);
                        acc = acc.add(ia.mul(ib));
                    }
                }
                int sumi = acc.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
                sumf += sumi * (scale(a, pa) * scale(b, pb));
            }
            return sumf;
        }
    }
}
