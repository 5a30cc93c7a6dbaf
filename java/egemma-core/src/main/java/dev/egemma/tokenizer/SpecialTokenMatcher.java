// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import java.util.Arrays;

/**
 * The special-token partition as one left-to-right scan: a character trie over the texts of every
 * CONTROL, USER_DEFINED and UNKNOWN token, asked for the longest candidate starting at a position.
 *
 * <p>llama.cpp ({@code tokenizer_st_partition}) instead takes the candidates longest first and splits
 * every raw fragment at each left-most occurrence. Both select exactly the occurrences not contained in
 * a longer one, hence the same fragments, as long as no two candidate occurrences can partly overlap:
 * no proper suffix of a candidate is a proper prefix of another (or of itself), except among runs of
 * one repeated character (newlines, tabs, spaces), where both cut greedily from the left. The
 * constructor checks this ({@link #scanIsExact()}; it holds for the Gemma 3 vocabulary) and otherwise
 * {@link #partition} runs llama.cpp's algorithm as written ({@link LongestFirstPartition}), slower but exact.
 * {@code SpecialTokenMatcherTest} compares the scan with llama.cpp's algorithm on the test corpus.
 *
 * <p>Children are kept in one open-addressing table keyed by {@code (node << 16) | char}; a bitset of
 * the characters that can start a candidate rejects almost every text position with one load.
 */
final class SpecialTokenMatcher {
    private static final long EMPTY = -1L;

    private final long[] firstChars = new long[1 << 10]; // bitset over the 65,536 UTF-16 code units
    private long[] keys;
    private int[] children;
    private int mask;
    private int edges;
    private int[] terminal = new int[64]; // token id ending at this node, or -1
    private boolean[] terminalNeedsParseSpecial = new boolean[64];
    private int[] onlyChild = new int[64]; // NO_CHILD, the char of the single child, or MANY_CHILDREN
    private int nodes = 1;
    private final LongestFirstPartition fallback; // null when the scan is exact
    private static final int NO_CHILD = -1, MANY_CHILDREN = -2;

    /** @param types raw {@code tokenizer.ggml.token_type} values, see {@link TokenType#of} */
    SpecialTokenMatcher(Vocabulary vocab, int[] types) {
        int cap = 1 << 10;
        keys = new long[cap];
        children = new int[cap];
        mask = cap - 1;
        Arrays.fill(keys, EMPTY);
        Arrays.fill(terminal, -1);
        Arrays.fill(onlyChild, NO_CHILD);
        int[] ids = new int[16];
        char[][] texts = new char[16][];
        int count = 0;
        for (int id = 0; id < types.length; id++) {
            int t = types[id];
            if (t < 0 || t >= CANDIDATE.length || !CANDIDATE[t]) continue; // one test per token: 262,144 of them
            char[] text = vocab.chars(id);
            if (text.length == 0) continue; // an empty text splits nothing
            insert(text, id, TokenType.of(t).needsParseSpecial());
            if (count == ids.length) {
                ids = Arrays.copyOf(ids, count * 2);
                texts = Arrays.copyOf(texts, count * 2);
            }
            ids[count] = id;
            texts[count++] = text;
        }
        ids = Arrays.copyOf(ids, count);
        texts = Arrays.copyOf(texts, count);
        fallback = hasPartialOverlap(texts) ? new LongestFirstPartition(vocab, types, ids) : null;
    }

    /** By raw type value: {@link TokenType#isPartitionCandidate()}. */
    private static final boolean[] CANDIDATE = new boolean[TokenType.values().length];

    static {
        for (TokenType t : TokenType.values()) CANDIDATE[t.ordinal()] = t.isPartitionCandidate();
    }

    /** Whether the one-pass scan gives llama.cpp's fragments for every text (see the class comment). */
    boolean scanIsExact() {
        return fallback == null;
    }

    /**
     * Whether some proper suffix of a candidate is a proper prefix of a candidate, other than a run of one
     * character continuing only as that same run. Suffixes are walked in the trie, and almost all stop at
     * their first char (no candidate starts with it).
     */
    private boolean hasPartialOverlap(char[][] texts) {
        for (char[] a : texts) {
            char c0 = a[0];
            boolean run = true;
            for (int i = 1; i < a.length && run; i++) run = a[i] == c0;
            for (int from = 1; from < a.length; from++) {
                char first = a[from];
                if ((firstChars[first >>> 6] & (1L << first)) == 0) continue; // no candidate starts here
                int node = 0;
                for (int i = from; i < a.length && node >= 0; i++) node = child(node, a[i]);
                if (node < 0 || onlyChild[node] == NO_CHILD) continue; // suffix is no candidate's proper prefix
                if (run && onlyRunBelow(node, c0)) continue;
                return true;
            }
        }
        return false;
    }

    /** Whether everything below {@code node} is a single chain of {@code c}. */
    private boolean onlyRunBelow(int node, char c) {
        while (onlyChild[node] == c) node = child(node, c);
        return onlyChild[node] == NO_CHILD;
    }

    private void insert(char[] text, int id, boolean needsParseSpecial) {
        char first = text[0];
        firstChars[first >>> 6] |= 1L << first;
        int node = 0;
        for (char c : text) {
            int next = child(node, c);
            if (next < 0) next = addChild(node, c);
            node = next;
        }
        // Two candidates with the same text: llama.cpp's token_to_id keeps the higher id, and the partition
        // emits the id of whichever candidate it tries first; keep the higher id for a single answer.
        terminal[node] = id;
        terminalNeedsParseSpecial[node] = needsParseSpecial;
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }

    private int child(int node, char c) {
        long key = ((long) node << 16) | c;
        int s = slot(key, mask);
        while (true) {
            long k = keys[s];
            if (k == key) return children[s];
            if (k == EMPTY) return -1;
            s = (s + 1) & mask;
        }
    }

    private int addChild(int node, char c) {
        if ((edges + 1) * 2 > keys.length) grow();
        int id = nodes++;
        if (id == terminal.length) {
            terminal = Arrays.copyOf(terminal, id * 2);
            Arrays.fill(terminal, id, id * 2, -1);
            terminalNeedsParseSpecial = Arrays.copyOf(terminalNeedsParseSpecial, id * 2);
            onlyChild = Arrays.copyOf(onlyChild, id * 2);
            Arrays.fill(onlyChild, id, id * 2, NO_CHILD);
        }
        onlyChild[node] = onlyChild[node] == NO_CHILD ? c : MANY_CHILDREN;
        put(((long) node << 16) | c, id);
        edges++;
        return id;
    }

    private void put(long key, int value) {
        int s = slot(key, mask);
        while (keys[s] != EMPTY) s = (s + 1) & mask;
        keys[s] = key;
        children[s] = value;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldChildren = children;
        keys = new long[oldKeys.length * 2];
        children = new int[oldKeys.length * 2];
        mask = keys.length - 1;
        Arrays.fill(keys, EMPTY);
        for (int i = 0; i < oldKeys.length; i++) if (oldKeys[i] != EMPTY) put(oldKeys[i], oldChildren[i]);
    }

    /** Receives the fragments of {@link #partition} in text order. */
    interface Sink {
        /** {@code text[from, to)} is raw text (never empty). */
        void raw(int from, int to);

        /** A special token was split out. */
        void token(int id);
    }

    /**
     * Splits {@code text} into raw ranges and special tokens, left to right, taking at each position the
     * longest enabled candidate (see {@link #match}), or with llama.cpp's algorithm when that differs.
     */
    void partition(char[] text, boolean parseSpecial, Sink sink) {
        if (fallback != null) {
            fallback.partition(text, parseSpecial, sink);
            return;
        }
        int n = text.length;
        int rawStart = 0;
        for (int i = 0; i < n; ) {
            long m = match(text, i, n, parseSpecial);
            if (m < 0) {
                i++;
                continue;
            }
            if (rawStart < i) sink.raw(rawStart, i);
            sink.token((int) m);
            i += (int) (m >>> 32);
            rawStart = i;
        }
        if (rawStart < n) sink.raw(rawStart, n);
    }

    /**
     * The longest enabled candidate that starts at {@code text[at]} and ends at or before {@code end}:
     * {@code (length << 32) | id}, or -1 if none does. CONTROL and UNKNOWN candidates count only when
     * {@code parseSpecial} is on.
     */
    long match(char[] text, int at, int end, boolean parseSpecial) {
        char c = text[at];
        if ((firstChars[c >>> 6] & (1L << c)) == 0) return -1;
        long best = -1;
        int node = 0;
        for (int i = at; i < end; i++) {
            node = child(node, text[i]);
            if (node < 0) break;
            int id = terminal[node];
            if (id >= 0 && (parseSpecial || !terminalNeedsParseSpecial[node])) best = ((long) (i + 1 - at) << 32) | id;
        }
        return best;
    }
}
