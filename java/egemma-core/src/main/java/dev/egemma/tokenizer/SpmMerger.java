// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import java.util.Arrays;

/**
 * llama.cpp's SentencePiece-style merge ({@code llm_tokenizer_spm_session}) over one raw fragment whose
 * spaces are already escaped to U+2581. Not thread-safe: one instance per encode call, reused across
 * that call's fragments so the scratch arrays are allocated once.
 *
 * <p>Symbols start as one per code point and form a doubly linked list of {@code (start, length)} ranges
 * of the fragment. Every adjacent pair whose concatenation is a vocabulary text goes into a max-heap
 * ordered by that token's score, ties broken by the smaller left index (llama.cpp's comparator). Popping
 * merges the right symbol into the left one unless the entry is stale (either side already merged
 * elsewhere, seen as a length mismatch), then offers the two new neighbour pairs. At the end each symbol
 * is emitted as its token, or, if it is a code point missing from the vocabulary, as one byte token per
 * UTF-8 byte. The heap holds primitives in parallel arrays (no object per pair), pair lookups hash a range
 * of the buffer (no String per pair), and a fragment is first cut at word starts where no merge can cross,
 * so heaps stay small on long lines.
 */
final class SpmMerger {
    private final Vocabulary vocab;
    private final float[] scores;
    private final int[] byteTokens;

    // symbols
    private int[] start = new int[16];
    private int[] len = new int[16];
    private int[] prev = new int[16];
    private int[] next = new int[16];
    private int[] hash = new int[16]; // String.hashCode of the symbol's text
    // Heap of candidate merges as two parallel longs: an ordering key (score, then left index; see key())
    // and the payload right << 32 | size.
    private long[] hKey = new long[16];
    private long[] hVal = new long[16];
    private int heapSize;

    // output
    private int[] out;
    private int outSize;

    private final boolean splitWords;

    SpmMerger(Vocabulary vocab, float[] scores, int[] byteTokens, int expectedTokens, boolean splitWords) {
        this.vocab = vocab;
        this.splitWords = splitWords;
        this.scores = scores;
        this.byteTokens = byteTokens;
        this.out = new int[Math.max(16, expectedTokens)];
    }

    void emit(int id) {
        if (outSize == out.length) out = Arrays.copyOf(out, out.length * 2);
        out[outSize++] = id;
    }

    int size() {
        return outSize;
    }

    int[] result() {
        return Arrays.copyOf(out, outSize);
    }

    /**
     * Appends the tokens of {@code buf[from, to)} (already space-escaped) to the output. The fragment is
     * first cut before each U+2581 where {@link Vocabulary#canSplitBefore} proves no merge can cross: same
     * ids, but small heaps and short symbol lists instead of one per line.
     */
    void tokenize(char[] buf, int from, int to) {
        if (!splitWords || !vocab.splitsAtWordStarts()) {
            merge(buf, from, to);
            return;
        }
        int pieceStart = from;
        for (int p = from + 1; p < to; p++) {
            if (buf[p] == '\u2581' && vocab.canSplitBefore(buf, from, to, p)) {
                merge(buf, pieceStart, p);
                pieceStart = p;
            }
        }
        merge(buf, pieceStart, to);
    }

    private void merge(char[] buf, int from, int to) {
        int n = 0;
        ensureSymbols(to - from);
        for (int pos = from; pos < to; ) {
            int l = Character.isHighSurrogate(buf[pos]) && pos + 1 < to && Character.isLowSurrogate(buf[pos + 1]) ? 2 : 1;
            start[n] = pos;
            len[n] = l;
            hash[n] = l == 1 ? buf[pos] : 31 * buf[pos] + buf[pos + 1];
            prev[n] = n - 1;
            next[n] = n + 1;
            n++;
            pos += l;
        }
        if (n == 0) return;
        next[n - 1] = -1;

        heapSize = 0;
        for (int i = 1; i < n; i++) tryAddPair(buf, i - 1, i);
        while (heapSize > 0) {
            int left = Integer.MAX_VALUE - (int) hKey[0];
            long val = hVal[0];
            int right = (int) (val >>> 32), size = (int) val;
            pop();
            if (len[left] == 0 || len[right] == 0 || len[left] + len[right] != size) continue; // stale
            hash[left] = hash[left] * vocab.pow31(len[right]) + hash[right];
            len[left] += len[right];
            len[right] = 0;
            int after = next[right];
            next[left] = after;
            if (after >= 0) prev[after] = left;
            tryAddPair(buf, prev[left], left);
            tryAddPair(buf, left, after);
        }

        for (int i = 0; i >= 0; i = next[i]) {
            int id = vocab.find(buf, start[i], len[i], hash[i]);
            if (id >= 0) emit(id);
            else emitBytes(buf, start[i], len[i]);
        }
    }

    /**
     * Byte fallback for a symbol with no token. Merged symbols always are tokens, so this is one code
     * point: 1 or 2 UTF-16 units (lone surrogates were replaced by U+FFFD before we got here).
     */
    private void emitBytes(char[] buf, int at, int l) {
        int cp = l == 2 ? Character.toCodePoint(buf[at], buf[at + 1]) : buf[at];
        if (cp < 0x80) {
            emitByte(cp);
        } else if (cp < 0x800) {
            emitByte(0xC0 | cp >>> 6);
            emitByte(0x80 | cp & 0x3F);
        } else if (cp < 0x10000) {
            emitByte(0xE0 | cp >>> 12);
            emitByte(0x80 | cp >>> 6 & 0x3F);
            emitByte(0x80 | cp & 0x3F);
        } else {
            emitByte(0xF0 | cp >>> 18);
            emitByte(0x80 | cp >>> 12 & 0x3F);
            emitByte(0x80 | cp >>> 6 & 0x3F);
            emitByte(0x80 | cp & 0x3F);
        }
    }

    private void emitByte(int b) {
        int id = byteTokens[b];
        if (id < 0) {
            throw new IllegalStateException(String.format(
                    "byte fallback needs a token for byte 0x%02X (<0x%02X> or the byte itself) and the vocabulary has none, nor an unknown token", b, b));
        }
        emit(id);
    }

    private void tryAddPair(char[] buf, int left, int right) {
        if (left < 0 || right < 0) return;
        int size = len[left] + len[right];
        if (size > vocab.maxLength()) return;
        int id = vocab.find(buf, start[left], size, hash[left] * vocab.pow31(len[right]) + hash[right]);
        if (id < 0) return;
        push(key(scores[id], left), (long) right << 32 | size);
    }

    private void ensureSymbols(int n) {
        if (start.length >= n) return;
        int cap = Math.max(n, start.length * 2);
        start = new int[cap];
        len = new int[cap];
        prev = new int[cap];
        next = new int[cap];
        hash = new int[cap];
    }

    /**
     * Heap order as one signed long: the score as an order-preserving int in the high half, and
     * {@code MAX_VALUE - left} in the low half, so a larger key means a higher score or, for equal
     * scores, a smaller left index (llama.cpp's comparator). -0.0 is folded into +0.0 because llama.cpp
     * compares floats with {@code <} and {@code ==}, for which they are equal.
     */
    static long key(float score, int left) {
        int bits = Float.floatToRawIntBits(score == 0f ? 0f : score);
        int ordered = bits ^ ((bits >> 31) & 0x7FFF_FFFF);
        return (long) ordered << 32 | (Integer.MAX_VALUE - left);
    }

    private void push(long key, long val) {
        if (heapSize == hKey.length) {
            hKey = Arrays.copyOf(hKey, heapSize * 2);
            hVal = Arrays.copyOf(hVal, heapSize * 2);
        }
        int i = heapSize++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (hKey[parent] >= key) break;
            hKey[i] = hKey[parent];
            hVal[i] = hVal[parent];
            i = parent;
        }
        hKey[i] = key;
        hVal[i] = val;
    }

    private void pop() {
        int last = --heapSize;
        if (last == 0) return;
        long key = hKey[last], val = hVal[last];
        int i = 0;
        while (true) {
            int c = 2 * i + 1;
            if (c >= last) break;
            if (c + 1 < last && hKey[c + 1] > hKey[c]) c++;
            if (hKey[c] <= key) break;
            hKey[i] = hKey[c];
            hVal[i] = hVal[c];
            i = c;
        }
        hKey[i] = key;
        hVal[i] = val;
    }
}
