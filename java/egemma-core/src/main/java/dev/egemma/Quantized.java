// SPDX-License-Identifier: Apache-2.0
package dev.egemma;

/**
 * Compact forms of an embedding for vector stores that index bytes or bits (Lucene/Elasticsearch/OpenSearch
 * {@code byte} and {@code bit} vectors), the same the server answers for {@code encoding_format} int8, uint8,
 * binary and ubinary. The scales are fixed, not fitted to a corpus, because EmbeddingGemma's vectors are unit length
 * (each value in [-1, 1]); values outside are clamped.
 *
 * <ul>
 *   <li>{@link #int8}: {@code clamp(round(x * 127), -127, 127)}, one signed byte per value;</li>
 *   <li>{@link #uint8}: {@code clamp(round((x + 1) * 127.5), 0, 255)}, one unsigned byte per value (read it with
 *       {@link Byte#toUnsignedInt});</li>
 *   <li>{@link #ubinary}: the sign bits {@code x > 0} packed 8 per byte, the first value in the most significant bit,
 *       the last byte zero-padded: numpy's {@code packbits}, as sentence-transformers' {@code quantize_embeddings}
 *       does ("ubinary");</li>
 *   <li>{@link #binary}: the same bytes minus 128 as signed bytes (sentence-transformers' "binary");</li>
 *   <li>{@link #signBits}: the sign bits as {@code long} words, bit {@code i % 64} of word {@code i / 64} for
 *       value {@code i} ({@link java.util.BitSet#valueOf(long[])}'s order), for Hamming distance with
 *       {@link Long#bitCount}.</li>
 * </ul>
 * {@code round} is {@link Math#round(float)} (halves go up). NaN maps to 0 in int8 and uint8 ({@code Math.round(NaN)} is 0) and to bit 0.
 */
public final class Quantized {
    private Quantized() {}

    /**
     * Signed bytes: {@code clamp(round(x * 127), -127, 127)}.
     *
     * @param v the vector, values expected in [-1, 1]
     * @return one byte per value, in [-127, 127]
     */
    public static byte[] int8(float[] v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (byte) Math.clamp(Math.round(v[i] * 127f), -127, 127);
        return out;
    }

    /**
     * Unsigned bytes: {@code Byte.toUnsignedInt(uint8(v)[i])} is in [0, 255].
     *
     * @param v the vector, values expected in [-1, 1]
     * @return one byte per value, {@code clamp(round((x + 1) * 127.5), 0, 255)}
     */
    public static byte[] uint8(float[] v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (byte) Math.clamp(Math.round((v[i] + 1f) * 127.5f), 0, 255);
        return out;
    }

    /**
     * Packed sign bits as unsigned bytes ({@code ceil(n / 8)} of them), first value in the high bit.
     *
     * @param v the vector
     * @return {@code ceil(v.length / 8)} bytes, bit set where the value is &gt; 0, the last byte zero-padded
     */
    public static byte[] ubinary(float[] v) {
        byte[] out = new byte[(v.length + 7) / 8];
        for (int i = 0; i < v.length; i++) if (v[i] > 0) out[i >> 3] |= (byte) (0x80 >>> (i & 7));
        return out;
    }

    /**
     * {@link #ubinary} minus 128, as signed bytes.
     *
     * @param v the vector
     * @return {@code ceil(v.length / 8)} signed bytes
     */
    public static byte[] binary(float[] v) {
        byte[] out = ubinary(v);
        for (int i = 0; i < out.length; i++) out[i] = (byte) (Byte.toUnsignedInt(out[i]) - 128);
        return out;
    }

    /**
     * Sign bits {@code x > 0} in {@code ceil(n / 64)} words, value {@code i} at bit {@code i % 64} of word {@code i / 64}.
     *
     * @param v the vector
     * @return {@code ceil(v.length / 64)} words, the high bits of the last one zero
     */
    public static long[] signBits(float[] v) {
        long[] out = new long[(v.length + 63) / 64];
        for (int i = 0; i < v.length; i++) if (v[i] > 0) out[i >> 6] |= 1L << (i & 63);
        return out;
    }
}
