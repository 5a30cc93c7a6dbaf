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
 * UTF-8 byte. The heap holds primitives in parallel arrays: no object per pair.
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
    // heap of candidate merges
    private float[] hScore = new float[16];
    private int[] hLeft = new int[16];
    private int[] hRight = new int[16];
    private int[] hSize = new int[16];
    private int heapSize;

    // output
    private int[] out;
    private int outSize;

    SpmMerger(Vocabulary vocab, float[] scores, int[] byteTokens, int expectedTokens) {
        this.vocab = vocab;
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

    /** Appends the tokens of {@code buf[from, to)} (already space-escaped) to the output. */
    void tokenize(char[] buf, int from, int to) {
        int n = 0;
        ensureSymbols(to - from);
        for (int pos = from; pos < to; ) {
            int l = Character.isHighSurrogate(buf[pos]) && pos + 1 < to && Character.isLowSurrogate(buf[pos + 1]) ? 2 : 1;
            start[n] = pos;
            len[n] = l;
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
            int left = hLeft[0], right = hRight[0], size = hSize[0];
            pop();
            if (len[left] == 0 || len[right] == 0 || len[left] + len[right] != size) continue; // stale
            len[left] += len[right];
            len[right] = 0;
            int after = next[right];
            next[left] = after;
            if (after >= 0) prev[after] = left;
            tryAddPair(buf, prev[left], left);
            tryAddPair(buf, left, after);
        }

        for (int i = 0; i >= 0; i = next[i]) {
            int id = vocab.find(buf, start[i], len[i]);
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
        int id = vocab.find(buf, start[left], size);
        if (id < 0) return;
        push(scores[id], left, right, size);
    }

    private void ensureSymbols(int n) {
        if (start.length >= n) return;
        int cap = Math.max(n, start.length * 2);
        start = new int[cap];
        len = new int[cap];
        prev = new int[cap];
        next = new int[cap];
    }

    /** a ranks above b: higher score, or the same score and a smaller left index. */
    private boolean above(float scoreA, int leftA, float scoreB, int leftB) {
        return scoreA > scoreB || (scoreA == scoreB && leftA < leftB);
    }

    private void push(float score, int left, int right, int size) {
        if (heapSize == hScore.length) {
            int cap = heapSize * 2;
            hScore = Arrays.copyOf(hScore, cap);
            hLeft = Arrays.copyOf(hLeft, cap);
            hRight = Arrays.copyOf(hRight, cap);
            hSize = Arrays.copyOf(hSize, cap);
        }
        int i = heapSize++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!above(score, left, hScore[parent], hLeft[parent])) break;
            move(parent, i);
            i = parent;
        }
        set(i, score, left, right, size);
    }

    private void pop() {
        int last = --heapSize;
        if (last == 0) return;
        float score = hScore[last];
        int left = hLeft[last], right = hRight[last], size = hSize[last];
        int i = 0;
        while (true) {
            int c = 2 * i + 1;
            if (c >= last) break;
            if (c + 1 < last && above(hScore[c + 1], hLeft[c + 1], hScore[c], hLeft[c])) c++;
            if (!above(hScore[c], hLeft[c], score, left)) break;
            move(c, i);
            i = c;
        }
        set(i, score, left, right, size);
    }

    private void move(int from, int to) {
        hScore[to] = hScore[from];
        hLeft[to] = hLeft[from];
        hRight[to] = hRight[from];
        hSize[to] = hSize[from];
    }

    private void set(int i, float score, int left, int right, int size) {
        hScore[i] = score;
        hLeft[i] = left;
        hRight[i] = right;
        hSize[i] = size;
    }
}
