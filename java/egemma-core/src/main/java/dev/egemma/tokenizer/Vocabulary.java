// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import dev.egemma.gguf.GgufStringArray;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The token texts with an exact text-to-id index that is probed with a (start, length) range of a
 * {@code char[]}, so the merge loop never builds a String per candidate pair.
 *
 * <p>All texts live in one {@code char[]} pool, decoded straight from the GGUF's UTF-8 bytes (no String per
 * token: building a 262,144-token vocabulary is on the critical path of opening a model or an EMB8 table, and
 * in a cold JVM the Strings, their garbage and a second pass over them cost several times the decoding).
 * {@link #text} makes a String only when asked. The index is open addressing with linear probing over
 * {@link String#hashCode()}-compatible hashes (the merge loop composes a pair's hash from its two halves). A
 * slot is one int, {@code tag | id + 1}: the id in the low bits and high bits of the mixed hash as a tag, so
 * a probe that misses costs one memory access and almost never a text comparison.
 * Like llama.cpp's {@code token_to_id}, the index covers every token whatever its type, and when two ids
 * share a text the higher id wins (llama.cpp fills its map in id order, so the last assignment stays).
 */
final class Vocabulary {
    /** Slot ids are at most 24 bits (id + 1, 0 meaning empty), leaving at least 8 bits of tag. */
    static final int MAX_TOKENS = (1 << 24) - 2;
    /** Above this many texts with an inner U+2581, fragments are not split at word starts (checking would cost more). */
    private static final int MAX_BRIDGING = 64;

    private final int size;
    private char[] pool; // may be longer than the texts: sized before decoding, grown if needed, never trimmed
    private final int[] offsets; // text of id i is pool[offsets[i], offsets[i+1])
    private final int[] slots;
    private final int mask;
    private final int idMask; // the low bits of a slot hold id + 1
    private int used; // pool chars filled while building
    private int maxLength;
    private int[] pow31; // 31^k for k <= maxLength, for composing hashes
    private final List<Integer> bridges = new ArrayList<>(); // ids of the texts with U+2581 after their first char
    private int[] bridgeIds; // bridges, or null if too many to check
    private char[][] bridging; // their texts

    private Vocabulary(int size, long poolChars) {
        this(checkedSize(size), new char[checkedPool(poolChars)], new int[size + 1], new int[capacity(size)]);
    }

    /** Over these arrays as they are (filled by {@link #add}, or read back by {@link #restore}). */
    private Vocabulary(int size, char[] pool, int[] offsets, int[] slots) {
        this.size = size;
        this.pool = pool;
        this.offsets = offsets;
        this.slots = slots;
        this.mask = slots.length - 1;
        this.idMask = (1 << (32 - Integer.numberOfLeadingZeros(size))) - 1; // holds 1..size
    }

    private static int checkedSize(int size) {
        if (size > MAX_TOKENS) throw new IllegalArgumentException("vocabulary of " + size + " tokens is larger than the supported " + MAX_TOKENS);
        return size;
    }

    private static int checkedPool(long poolChars) {
        if (poolChars > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("token texts are too large in total");
        return (int) poolChars;
    }

    /** Index slots for {@code size} texts: a power of two, load <= 0.5. */
    static int capacity(int size) {
        return Integer.highestOneBit(Math.max(4, size) * 2 - 1) << 1;
    }

    /** The vocabulary of {@code texts}, id = index. */
    Vocabulary(String[] texts) {
        this(texts.length, Arrays.stream(texts).mapToLong(String::length).sum());
        for (int id = 0; id < texts.length; id++) {
            String t = texts[id];
            t.getChars(0, t.length(), pool, used);
            add(id, t.length(), t.hashCode(), t.indexOf('\u2581', 1) >= 0);
        }
        finish();
    }

    /**
     * The vocabulary of a GGUF string array, each entry decoded from UTF-8 exactly as {@code new String(bytes,
     * UTF_8)} would (malformed bytes become U+FFFD), but into the pool directly.
     */
    static Vocabulary fromUtf8(GgufStringArray texts) {
        // A UTF-8 byte never decodes to more than one char, so the byte count bounds the pool, but it would leave a
        // third of it unused for Gemma (0.64 chars per byte: U+2581 takes 3); every MB allocated costs opening time.
        // A vocabulary with more single-byte chars grows the pool once.
        Vocabulary v = new Vocabulary(texts.size(), texts.utf8Bytes() * 3 / 4 + 16);
        texts.forEachUtf8(v.new Utf8Adder()); // a class, not v::addUtf8: no lambda bootstrap in a cold JVM
        v.finish();
        return v;
    }

    /**
     * Decodes token {@code id}'s UTF-8 bytes into the pool and indexes it. Well-formed sequences are decoded
     * here (the hash and the U+2581 test ride along); anything else goes through the JDK's decoder so
     * malformed input is replaced exactly as before. A separate method per token also gets this loop compiled
     * after a few hundred calls, where one loop over the whole vocabulary would run interpreted for long.
     */
    private void addUtf8(int id, byte[] b, int off, int len) {
        if (pool.length - used < len) pool = Arrays.copyOf(pool, (int) Math.min(Integer.MAX_VALUE - 16L, Math.max((long) used + len, pool.length * 3L / 2)));
        char[] p = pool;
        int start = used, q = start, h = 0;
        boolean bridge = false;
        for (int i = off, end = off + len; i < end; ) {
            int c = b[i], cp;
            if (c >= 0) {
                i++;
            } else if ((c & 0xF0) == 0xE0 && i + 2 < end && (b[i + 1] & 0xC0) == 0x80 && (b[i + 2] & 0xC0) == 0x80
                    && (cp = (c & 0x0F) << 12 | (b[i + 1] & 0x3F) << 6 | b[i + 2] & 0x3F) >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
                c = cp; // the common case: U+2581 and most non-Latin text
                i += 3;
                bridge |= c == '\u2581' && q > start;
            } else if ((c & 0xE0) == 0xC0 && (c & 0x1E) != 0 && i + 1 < end && (b[i + 1] & 0xC0) == 0x80) {
                c = (c & 0x1F) << 6 | b[i + 1] & 0x3F;
                i += 2;
            } else if ((c & 0xF8) == 0xF0 && i + 3 < end && (b[i + 1] & 0xC0) == 0x80 && (b[i + 2] & 0xC0) == 0x80 && (b[i + 3] & 0xC0) == 0x80
                    && (cp = (c & 0x07) << 18 | (b[i + 1] & 0x3F) << 12 | (b[i + 2] & 0x3F) << 6 | b[i + 3] & 0x3F) >= 0x10000 && cp <= 0x10FFFF) {
                i += 4;
                char hi = Character.highSurrogate(cp);
                p[q++] = hi;
                h = 31 * h + hi;
                c = Character.lowSurrogate(cp);
            } else { // malformed: the JDK's replacement rules, for the whole text
                String s = new String(b, off, len, StandardCharsets.UTF_8);
                s.getChars(0, s.length(), p, start);
                add(id, s.length(), s.hashCode(), s.indexOf('\u2581', 1) >= 0);
                return;
            }
            p[q++] = (char) c;
            h = 31 * h + c;
        }
        add(id, q - start, h, bridge);
    }

    private final class Utf8Adder implements GgufStringArray.Utf8Consumer {
        @Override
        public void accept(int id, byte[] b, int off, int len) {
            addUtf8(id, b, off, len);
        }
    }

    /** Indexes token {@code id}, whose {@code len} chars are at {@code pool[used]}. */
    private void add(int id, int len, int hash, boolean bridge) {
        int start = used;
        used += len;
        offsets[id + 1] = used;
        if (len > maxLength) maxLength = len;
        if (bridge && bridges.size() <= MAX_BRIDGING) bridges.add(id);
        int m = mix(hash), tag = m & ~idMask;
        for (int s = m & mask; ; s = (s + 1) & mask) {
            int e = slots[s];
            if (e == 0 || (e & ~idMask) == tag && sameText((e & idMask) - 1, pool, start, len)) {
                slots[s] = tag | (id + 1); // a duplicate text: the later id wins, as in llama.cpp
                return;
            }
        }
    }

    private void finish() {
        int[] ids = null;
        if (bridges.size() <= MAX_BRIDGING) {
            ids = new int[bridges.size()];
            for (int i = 0; i < ids.length; i++) ids[i] = bridges.get(i);
        }
        bridges.clear();
        finish(ids);
    }

    private void finish(int[] bridgeIds) {
        pow31 = new int[maxLength + 1];
        pow31[0] = 1;
        for (int k = 1; k <= maxLength; k++) pow31[k] = pow31[k - 1] * 31;
        this.bridgeIds = bridgeIds;
        if (bridgeIds != null) {
            bridging = new char[bridgeIds.length][];
            for (int i = 0; i < bridgeIds.length; i++) bridging[i] = chars(bridgeIds[i]);
        }
    }

    /** What {@link VocabularyCache} stores: the built index, so that the next open reads it instead of building it. */
    record Parts(int size, char[] pool, int used, int[] offsets, int[] slots, int maxLength, int[] bridgeIds) {}

    Parts parts() {
        return new Parts(size, pool, used, offsets, slots, maxLength, bridgeIds);
    }

    /**
     * The vocabulary {@link #parts()} described, as read back by {@link VocabularyCache} (whose checksums say these are
     * the arrays it wrote). What is cheap to check is checked again, so a bad part throws here rather than later.
     */
    static Vocabulary restore(Parts p) {
        int n = checkedSize(p.size());
        if (n < 1 || p.offsets().length != n + 1 || p.slots().length != capacity(n) || p.offsets()[0] != 0 || p.offsets()[n] != p.used()
                || p.used() > p.pool().length || p.maxLength() < 0 || p.maxLength() > p.used())
            throw new IllegalArgumentException("inconsistent vocabulary parts");
        Vocabulary v = new Vocabulary(n, p.pool(), p.offsets(), p.slots());
        v.used = p.used();
        v.maxLength = p.maxLength();
        if (p.bridgeIds() != null) {
            if (p.bridgeIds().length > MAX_BRIDGING) throw new IllegalArgumentException("too many bridging texts");
            for (int id : p.bridgeIds()) if (id < 0 || id >= n) throw new IllegalArgumentException("bridging id " + id);
        }
        v.finish(p.bridgeIds());
        return v;
    }

    private static int mix(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 15);
    }

    int size() {
        return size;
    }

    /** Token {@code id}'s text, made on each call. */
    String text(int id) {
        return new String(pool, offsets[id], offsets[id + 1] - offsets[id]);
    }

    /** Token {@code id}'s text as a new char array. */
    char[] chars(int id) {
        return Arrays.copyOfRange(pool, offsets[id], offsets[id + 1]);
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
        int m = mix(hash), tag = m & ~idMask;
        for (int s = m & mask; ; s = (s + 1) & mask) {
            int e = slots[s];
            if (e == 0) return -1;
            if ((e & ~idMask) == tag) {
                int id = (e & idMask) - 1;
                if (sameText(id, buf, from, len)) return id;
            }
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
