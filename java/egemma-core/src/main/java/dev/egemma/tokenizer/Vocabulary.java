package dev.egemma.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The token texts with an exact text-to-id index that is probed with a (start, length) range of a
 * {@code char[]}, so the merge loop never builds a String per candidate pair.
 *
 * <p>All texts live in one {@code char[]} pool. The index is open addressing with linear probing over
 * {@link String#hashCode()}-compatible hashes (the merge loop composes a pair's hash from its two halves). A slot packs {@code hash << 32 | min(length, 255) << 24 | id + 1}
 * into one long, so a probe that misses costs one memory access and a hit two (slot, then the text).
 * Like llama.cpp's {@code token_to_id}, the index covers every token whatever its type, and when two ids
 * share a text the higher id wins (llama.cpp fills its map in id order, so the last assignment stays).
 */
final class Vocabulary {
    /** Slot ids are 24 bits (id + 1, 0 meaning empty). */
    static final int MAX_TOKENS = (1 << 24) - 2;
    /** Above this many texts with an inner U+2581, fragments are not split at word starts (checking would cost more). */
    private static final int MAX_BRIDGING = 64;
    private static final long KEY_MASK = 0xFFFF_FFFF_FF00_0000L;

    private final String[] texts;
    private final char[] pool;
    private final int[] offsets; // texts[i] is pool[offsets[i], offsets[i+1])
    private final long[] slots;
    private final int mask;
    private final int maxLength;
    private final int[] pow31; // 31^k for k <= maxLength, for composing hashes
    private final char[][] bridging; // texts with U+2581 after their first char, or null if too many to check

    Vocabulary(String[] texts) {
        this.texts = texts;
        int n = texts.length;
        if (n > MAX_TOKENS) throw new IllegalArgumentException("vocabulary of " + n + " tokens is larger than the supported " + MAX_TOKENS);
        offsets = new int[n + 1];
        long total = 0;
        int longest = 0;
        for (int i = 0; i < n; i++) {
            int len = texts[i].length();
            longest = Math.max(longest, len);
            total += len;
            if (total > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("token texts are too large in total");
            offsets[i + 1] = (int) total;
        }
        maxLength = longest;
        pow31 = new int[longest + 1];
        pow31[0] = 1;
        for (int k = 1; k <= longest; k++) pow31[k] = pow31[k - 1] * 31;
        pool = new char[(int) total];
        for (int i = 0; i < n; i++) texts[i].getChars(0, texts[i].length(), pool, offsets[i]);

        int cap = Integer.highestOneBit(Math.max(4, n) * 2 - 1) << 1; // power of two, load <= 0.5
        mask = cap - 1;
        slots = new long[cap];
        List<char[]> bridges = new ArrayList<>();
        for (int id = 0; id < n; id++) {
            // One pass over the pool: the String.hashCode() polynomial (cheaper than asking each fresh String)
            // and whether U+2581 occurs after the first char.
            int from = offsets[id], end = offsets[id + 1];
            int h = 0;
            boolean bridge = false;
            for (int k = from; k < end; k++) {
                char c = pool[k];
                h = 31 * h + c;
                bridge |= c == '\u2581' & k > from;
            }
            if (bridge && bridges.size() <= MAX_BRIDGING) bridges.add(texts[id].toCharArray());
            long key = key(h, end - from);
            int s = mix(h) & mask;
            while (true) {
                long e = slots[s];
                if (e == 0) {
                    slots[s] = key | (id + 1);
                    break;
                }
                if ((e & KEY_MASK) == key && texts[(int) (e & 0xFFFFFF) - 1].equals(texts[id])) {
                    slots[s] = key | (id + 1); // duplicate text: the later id wins, as in llama.cpp
                    break;
                }
                s = (s + 1) & mask;
            }
        }
        bridging = bridges.size() <= MAX_BRIDGING ? bridges.toArray(char[][]::new) : null;
    }

    private static long key(int hash, int length) {
        return (long) hash << 32 | (long) Math.min(length, 255) << 24;
    }

    private static int mix(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 15);
    }

    int size() {
        return texts.length;
    }

    String text(int id) {
        return texts[id];
    }

    /** The longest token text, in chars: no longer range can be a token. */
    int maxLength() {
        return maxLength;
    }

    /** 31^k, k <= {@link #maxLength()}: the hash of a + b is {@code hash(a) * pow31(len(b)) + hash(b)}. */
    int pow31(int k) {
        return pow31[k];
    }

    /**
     * Whether merges can never cross the boundary just before {@code buf[p]} (a U+2581) inside the fragment
     * {@code buf[from, to)}. A merged symbol across it would be a token with a U+2581 after its first char
     * lying over {@code p}; if no such token text occurs there, the two sides merge independently and in
     * the same relative order, so tokenizing them separately gives the same ids.
     */
    boolean canSplitBefore(char[] buf, int from, int to, int p) {
        if (bridging == null) return false;
        for (char[] t : bridging) {
            for (int j = 1; j < t.length; j++) {
                if (t[j] != '\u2581') continue;
                int s = p - j;
                if (s >= from && s + t.length <= to && Arrays.equals(t, 0, t.length, buf, s, s + t.length)) return false;
            }
        }
        return true;
    }

    boolean splitsAtWordStarts() {
        return bridging != null;
    }

    /** The {@link String#hashCode()} of {@code buf[from, from + len)}. */
    static int hash(char[] buf, int from, int len) {
        int h = 0;
        for (int i = from, end = from + len; i < end; i++) h = 31 * h + buf[i];
        return h;
    }

    /** The id whose text is exactly {@code buf[from, from + len)}, or -1. */
    int find(char[] buf, int from, int len) {
        return find(buf, from, len, hash(buf, from, len));
    }

    /** As {@link #find(char[], int, int)}, with the range's {@link #hash} already known. */
    int find(char[] buf, int from, int len, int hash) {
        if (len > maxLength) return -1;
        long want = key(hash, len);
        int s = mix(hash) & mask;
        while (true) {
            long e = slots[s];
            if (e == 0) return -1;
            if ((e & KEY_MASK) == want) {
                int id = (int) (e & 0xFFFFFF) - 1;
                if (sameText(id, buf, from, len)) return id;
            }
            s = (s + 1) & mask;
        }
    }

    private boolean sameText(int id, char[] buf, int from, int len) {
        int off = offsets[id];
        if (offsets[id + 1] - off != len) return false;
        for (int k = 0; k < len; k++) if (pool[off + k] != buf[from + k]) return false;
        return true;
    }

    /** The id whose text is {@code s}, or -1. */
    int find(String s) {
        char[] c = s.toCharArray();
        return find(c, 0, c.length);
    }
}
