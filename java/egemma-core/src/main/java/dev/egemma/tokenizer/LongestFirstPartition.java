// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * llama.cpp's {@code tokenizer_st_partition} as written: candidates by UTF-8 length, longest first (ties
 * by id; llama.cpp's {@code std::sort} leaves their order unspecified), each splitting every remaining raw
 * fragment at its left-most occurrences. O(candidates x text length): used only for vocabularies where
 * {@link SpecialTokenMatcher}'s one-pass scan would not give the same fragments.
 */
final class LongestFirstPartition {
    private final char[][] texts;
    private final int[] ids;
    private final boolean[] needsParseSpecial;

    /** @param types raw token types; @param candidates the candidates' ids */
    LongestFirstPartition(Vocabulary vocab, int[] types, int[] candidates) {
        List<Integer> order = new ArrayList<>(candidates.length);
        for (int id : candidates) order.add(id);
        order.sort(Comparator.comparingInt((Integer id) -> -utf8Length(vocab.text(id))).thenComparingInt(id -> id));
        texts = new char[order.size()][];
        ids = new int[order.size()];
        needsParseSpecial = new boolean[order.size()];
        for (int k = 0; k < ids.length; k++) {
            ids[k] = order.get(k);
            texts[k] = vocab.chars(ids[k]);
            needsParseSpecial[k] = TokenType.of(types[ids[k]]).needsParseSpecial();
        }
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n += 1;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else n += 3;
        }
        return n;
    }

    /** A fragment: raw {@code [from, to)} when {@code id < 0}, else a token. */
    private record Fragment(int from, int to, int id) {}

    void partition(char[] text, boolean parseSpecial, SpecialTokenMatcher.Sink sink) {
        List<Fragment> frags = new ArrayList<>();
        if (text.length > 0) frags.add(new Fragment(0, text.length, -1));
        for (int k = 0; k < ids.length; k++) {
            if (!parseSpecial && needsParseSpecial[k]) continue;
            char[] t = texts[k];
            List<Fragment> next = new ArrayList<>(frags.size());
            for (Fragment f : frags) {
                if (f.id >= 0) {
                    next.add(f);
                    continue;
                }
                int from = f.from;
                for (int at = indexOf(text, from, f.to, t); at >= 0; at = indexOf(text, from, f.to, t)) {
                    if (at > from) next.add(new Fragment(from, at, -1));
                    next.add(new Fragment(at, at + t.length, ids[k]));
                    from = at + t.length;
                }
                if (from < f.to) next.add(new Fragment(from, f.to, -1));
            }
            frags = next;
        }
        for (Fragment f : frags) {
            if (f.id >= 0) sink.token(f.id);
            else sink.raw(f.from, f.to);
        }
    }

    private static int indexOf(char[] text, int from, int to, char[] t) {
        outer:
        for (int i = from; i + t.length <= to; i++) {
            for (int j = 0; j < t.length; j++) if (text[i + j] != t[j]) continue outer;
            return i;
        }
        return -1;
    }
}
