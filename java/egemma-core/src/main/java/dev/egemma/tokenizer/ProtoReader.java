// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads the protobuf wire format from a byte range, bounded: every length is checked against the bytes left in
 * its enclosing message before it is used, a varint is at most 10 bytes, and groups (wire types 3 and 4, deprecated
 * and never used by SentencePiece) are refused, so no input can make it read out of range, loop or recurse.
 * Nested messages are read by a reader over their own range ({@link #message}); the caller decides how deep to go.
 */
final class ProtoReader {
    static final int VARINT = 0, I64 = 1, LEN = 2, I32 = 5;

    private final String name;
    private final byte[] b;
    private final int end;
    private int pos;
    private String field = "tag"; // what is being read, for messages

    ProtoReader(String name, byte[] b, int from, int to) {
        this.name = name;
        this.b = b;
        this.pos = from;
        this.end = to;
    }

    boolean hasMore() {
        return pos < end;
    }

    /** Offset of the next byte in the whole buffer (the file). */
    int offset() {
        return pos;
    }

    /** A field's tag: where it starts, its number (1..2^29-1) and its wire type (0, 1, 2 or 5). */
    record Field(int at, int number, int wireType) {}

    /** The next field's tag; its content is read next (by the method for its type, or {@link #skip}). */
    Field next() throws SentencePieceFormatException {
        int at = pos;
        field = "tag";
        long t = varint();
        long number = t >>> 3;
        int wt = (int) (t & 7);
        if (number < 1 || number > (1 << 29) - 1) throw fail(at, "field number " + number + " is outside 1..2^29-1");
        if (wt != VARINT && wt != I64 && wt != LEN && wt != I32) throw fail(at, "wire type " + wt + " is not one of 0, 1, 2, 5");
        return new Field(at, (int) number, wt);
    }

    /** Refuses a known field of the wrong wire type: the file is not the message it claims to be. */
    void expect(Field f, int wireType, String what) throws SentencePieceFormatException {
        if (f.wireType() != wireType) throw new SentencePieceFormatException(name, f.at(), what, "wire type " + f.wireType() + ", expected " + wireType);
    }

    long varint() throws SentencePieceFormatException {
        int at = pos;
        long v = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= end) throw fail(at, "truncated varint");
            int x = b[pos++];
            v |= (long) (x & 0x7f) << shift;
            if (x >= 0) return v;
        }
        throw fail(at, "varint longer than 10 bytes");
    }

    /** A varint field that must hold a 32-bit value (int32 fields are sign-extended to 64 bits on the wire). */
    int int32(String what) throws SentencePieceFormatException {
        int at = pos;
        field = what;
        long v = varint();
        if (v != (int) v) throw fail(at, v + " does not fit 32 bits");
        return (int) v;
    }

    boolean bool(String what) throws SentencePieceFormatException {
        field = what;
        return varint() != 0;
    }

    float float32(String what) throws SentencePieceFormatException {
        field = what;
        if (end - pos < 4) throw fail(pos, "truncated: 4 bytes needed, " + (end - pos) + " left");
        int v = b[pos] & 0xff | (b[pos + 1] & 0xff) << 8 | (b[pos + 2] & 0xff) << 16 | (b[pos + 3] & 0xff) << 24;
        pos += 4;
        return Float.intBitsToFloat(v);
    }

    /** A length-delimited field's range, checked against this message's end; the reader moves past it. */
    ProtoReader message(String what) throws SentencePieceFormatException {
        int[] r = range(what);
        ProtoReader m = new ProtoReader(name, b, r[0], r[1]);
        m.field = what;
        return m;
    }

    /** A length-delimited field as UTF-8 text; malformed UTF-8 is refused rather than replaced (piece texts are keys). */
    String string(String what) throws SentencePieceFormatException {
        int[] r = range(what);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(b, r[0], r[1] - r[0])).toString();
        } catch (CharacterCodingException e) {
            throw fail(r[0], "not valid UTF-8");
        }
    }

    /** Length in bytes of a length-delimited field that is skipped (its content unread). */
    int bytesLength(String what) throws SentencePieceFormatException {
        int[] r = range(what);
        return r[1] - r[0];
    }

    private int[] range(String what) throws SentencePieceFormatException {
        field = what;
        int at = pos;
        long len = varint();
        if (len < 0 || len > end - pos) throw fail(at, "length " + Long.toUnsignedString(len) + " runs past the end of its message (" + (end - pos) + " bytes left)");
        int from = pos;
        pos += (int) len;
        return new int[] {from, pos};
    }

    /** Skips the content of a field that is not needed. */
    void skip(Field f, String what) throws SentencePieceFormatException {
        field = what;
        switch (f.wireType()) {
            case VARINT -> varint();
            case I64 -> advance(8);
            case I32 -> advance(4);
            default -> range(what); // LEN: next() admits no other type
        }
    }

    private void advance(int n) throws SentencePieceFormatException {
        if (end - pos < n) throw fail(pos, "truncated: " + n + " bytes needed, " + (end - pos) + " left");
        pos += n;
    }

    SentencePieceFormatException fail(int at, String problem) {
        return new SentencePieceFormatException(name, at, field, problem);
    }
}
