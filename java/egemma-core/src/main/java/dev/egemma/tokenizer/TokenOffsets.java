// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Where each token of a text came from (the server's {@code /tokenize}, chunk spans): offsets in Unicode code
 * points (what a Python {@code str} is indexed by), stop exclusive. Found by walking the text's UTF-8 bytes along the
 * tokens' bytes (a NORMAL piece, a BYTE token's byte, a USER_DEFINED or CONTROL text; spaces as U+2581 on both sides) and
 * checking each token's bytes are the text's where it stands, so a span always holds its token's text; missing
 * (-1) for an added BOS/EOS and for everything after a token whose bytes are not the text's (an UNKNOWN token, a
 * lone surrogate). The tokenizer itself is untouched: ids are exactly encode's. A BYTE token inside a multi-byte
 * character gets that character's span.
 */
public final class TokenOffsets {
    private static final char SPACE = '\u2581';
    private static final byte[] SPACE_UTF8 = String.valueOf(SPACE).getBytes(StandardCharsets.UTF_8);

    private TokenOffsets() {}

    /**
     * {@code [start, stop]} per token in code points, {@code {-1, -1}} where unknown. {@code addedSpecials}: the ids
     * were encoded with BOS/EOS added, so a first BOS and a last EOS stand for no text.
     *
     * @param t             the tokenizer that encoded {@code text}
     * @param text          the text
     * @param ids           its ids, exactly as {@code t} encoded them
     * @param addedSpecials whether BOS/EOS were added
     * @return one new {@code {start, stop}} pair per id
     */
    public static int[][] of(Tokenizer t, String text, int[] ids, boolean addedSpecials) {
        // the tokenizer sees spaces as U+2581 (one code point for one, so code point offsets carry over), and a
        // byte-fallback vocabulary spells a space as U+2581's three bytes
        byte[] bytes = text.replace(' ', SPACE).getBytes(StandardCharsets.UTF_8);
        int[][] out = new int[ids.length][];
        int pos = 0;
        boolean lost = false;
        for (int k = 0; k < ids.length; k++) {
            out[k] = new int[] {-1, -1};
            boolean added = addedSpecials && (k == 0 && t.addBos() && ids[k] == t.bosId() || k == ids.length - 1 && t.addEos() && ids[k] == t.eosId());
            if (lost || added) continue;
            byte[] tok = bytesOf(t, ids[k]);
            // a vocabulary with add_space_prefix puts a space before raw text that the text does not have
            int skip = !startsWith(bytes, pos, tok, 0) && t.addSpacePrefix() && startsWith(tok, 0, SPACE_UTF8, 0) ? SPACE_UTF8.length : 0;
            if (tok.length > skip && startsWith(bytes, pos, tok, skip)) {
                out[k] = new int[] {pos, pos + tok.length - skip};
                pos += tok.length - skip;
            } else lost = true; // an UNKNOWN token, a lone surrogate: where the rest stands is not known
        }
        // bytes to code points: a start inside a character moves back to it, a stop inside one forward past it
        int[] cp = codePointIndex(bytes);
        for (int[] o : out)
            if (o[0] >= 0) {
                boolean stopInside = o[1] < bytes.length && (bytes[o[1]] & 0xC0) == 0x80;
                o[0] = cp[o[0]];
                o[1] = cp[o[1]] + (stopInside ? 1 : 0);
            }
        return out;
    }

    private static byte[] bytesOf(Tokenizer t, int id) {
        String piece = t.piece(id);
        return switch (t.tokenType(id)) {
            case NORMAL -> piece.getBytes(StandardCharsets.UTF_8);
            case BYTE -> piece.length() == 6 && piece.startsWith("<0x") ? new byte[] {(byte) Integer.parseInt(piece.substring(3, 5), 16)}
                    : piece.getBytes(StandardCharsets.UTF_8);
            case USER_DEFINED, CONTROL -> piece.replace(' ', SPACE).getBytes(StandardCharsets.UTF_8);
            default -> new byte[0];
        };
    }

    private static boolean startsWith(byte[] text, int pos, byte[] tok, int from) {
        if (pos + tok.length - from > text.length) return false;
        for (int i = from; i < tok.length; i++) if (text[pos + i - from] != tok[i]) return false;
        return true;
    }

    /** For each UTF-8 byte offset (0..length), the code point offset of the code point it starts or is inside. */
    private static int[] codePointIndex(byte[] utf8) {
        int[] idx = new int[utf8.length + 1];
        int cp = 0;
        for (int i = 0; i < utf8.length; i++) {
            if ((utf8[i] & 0xC0) != 0x80 && i > 0) cp++;
            idx[i] = cp;
        }
        idx[utf8.length] = utf8.length == 0 ? 0 : cp + 1;
        return idx;
    }
}
