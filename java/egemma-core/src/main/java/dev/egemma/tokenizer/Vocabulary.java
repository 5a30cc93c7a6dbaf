package dev.egemma.tokenizer;

import java.util.Arrays;

/**
 * The token texts with an exact text-to-id index that is probed with a (start, length) range of a
 * {@code char[]}, so the merge loop never builds a String per candidate pair.
 *
 * <p>All texts live in one {@code char[]} pool. The index is open addressing with linear probing over
 * {@link String#hashCode()}-compatible hashes: building it reuses each token's own hash, and a lookup
 * hashes the range with the same polynomial. Like llama.cpp's {@code token_to_id}, it covers every
 * token whatever its type, and when two ids share a text the higher id wins (llama.cpp fills its map
 * in id order, so the last assignment stays).
 */
final class Vocabulary {
    private final String[] texts;
    private final char[] pool;
    private final int[] offsets; // texts[i] is pool[offsets[i], offsets[i+1])
    private final int[] slotHash;
    private final int[] slotId; // -1 = empty
    private final int mask;

    Vocabulary(String[] texts) {
        this.texts = texts;
        int n = texts.length;
        offsets = new int[n + 1];
        long total = 0;
        for (int i = 0; i < n; i++) {
            total += texts[i].length();
            if (total > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("token texts are too large in total");
            offsets[i + 1] = (int) total;
        }
        pool = new char[(int) total];
        for (int i = 0; i < n; i++) texts[i].getChars(0, texts[i].length(), pool, offsets[i]);

        int cap = Integer.highestOneBit(Math.max(4, n) * 2 - 1) << 1; // power of two, load <= 0.5
        mask = cap - 1;
        slotHash = new int[cap];
        slotId = new int[cap];
        Arrays.fill(slotId, -1);
        for (int id = 0; id < n; id++) {
            int h = texts[id].hashCode();
            int s = mix(h) & mask;
            while (true) {
                int other = slotId[s];
                if (other < 0) {
                    slotHash[s] = h;
                    slotId[s] = id;
                    break;
                }
                if (slotHash[s] == h && texts[other].equals(texts[id])) {
                    slotId[s] = id; // duplicate text: the later id wins, as in llama.cpp
                    break;
                }
                s = (s + 1) & mask;
            }
        }
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

    /** The id whose text is exactly {@code buf[from, from + len)}, or -1. */
    int find(char[] buf, int from, int len) {
        int h = 0;
        int end = from + len;
        for (int i = from; i < end; i++) h = 31 * h + buf[i];
        int s = mix(h) & mask;
        while (true) {
            int id = slotId[s];
            if (id < 0) return -1;
            if (slotHash[s] == h) {
                int off = offsets[id];
                if (offsets[id + 1] - off == len && Arrays.equals(pool, off, off + len, buf, from, end)) return id;
            }
            s = (s + 1) & mask;
        }
    }

    /** The id whose text is {@code s}, or -1. */
    int find(String s) {
        char[] c = s.toCharArray();
        return find(c, 0, c.length);
    }
}
