// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pieces of the algorithm on small hand-made vocabularies, where the expected ids follow from the rules. */
class TokenizerUnitTest {

    @Test
    void mergesTheHighestScoringPairFirstNotTheLongestOrViterbiPath() {
        SyntheticVocab v = new SyntheticVocab();
        int a = v.normal("a", -10), b = v.normal("b", -10), c = v.normal("c", -10);
        int ab = v.normal("ab", 1), bc = v.normal("bc", 2);
        Tokenizer t = v.build();
        // bc (2) beats ab (1); nothing merges a with bc.
        assertArrayEquals(new int[] {a, bc}, t.encode("abc", false, false));

        SyntheticVocab w = new SyntheticVocab();
        int a2 = w.normal("a", -10);
        w.normal("b", -10);
        int c2 = w.normal("c", -10);
        int ab2 = w.normal("ab", 2);
        w.normal("bc", 1);
        assertArrayEquals(new int[] {ab2, c2}, w.build().encode("abc", false, false));
        assertTrue(a2 >= 0 && b >= 0 && c >= 0 && ab >= 0);
    }

    @Test
    void mergesRepeatUntilNoPairIsInTheVocabulary() {
        SyntheticVocab v = new SyntheticVocab();
        v.normal("a", -10);
        v.normal("b", -10);
        v.normal("c", -10);
        v.normal("ab", 1);
        v.normal("bc", 2);
        int abc = v.normal("abc", 0); // lower score than both pairs: reached only through a + bc
        assertArrayEquals(new int[] {abc}, v.build().encode("abc", false, false));
    }

    @Test
    void equalScoresMergeTheLeftmostPairFirst() {
        SyntheticVocab v = new SyntheticVocab();
        int a = v.normal("a", -10);
        int aa = v.normal("aa", 1);
        Tokenizer t = v.build();
        assertArrayEquals(new int[] {aa, a}, t.encode("aaa", false, false));
        assertArrayEquals(new int[] {aa, aa, a}, t.encode("aaaaa", false, false));

        SyntheticVocab w = new SyntheticVocab();
        w.normal("x", -10);
        w.normal("y", -10);
        int z = w.normal("z", -10);
        int xy = w.normal("xy", 1);
        w.normal("yz", 1); // same score as xy: the left pair wins
        assertArrayEquals(new int[] {xy, z}, w.build().encode("xyz", false, false));
    }

    @Test
    void byteFallbackForCodePointsOutsideTheVocabulary() {
        SyntheticVocab v = new SyntheticVocab().withBytes();
        int h = v.normal("h", -1);
        Tokenizer t = v.build();
        int[] ids = t.encode("h\u00e9\uD83D\uDE00", false, false); // h, é (C3 A9), 😀 (F0 9F 98 80)
        int[] expected = {h, 0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80};
        for (int k = 1; k < expected.length; k++) expected[k] = t.tokenId(String.format("<0x%02X>", expected[k]));
        assertArrayEquals(expected, ids);
        assertEquals("h\u00e9\uD83D\uDE00", t.decode(ids));
    }

    @Test
    void byteFallbackFallsBackToTheUnknownTokenAndFailsClearlyWithoutOne() {
        SyntheticVocab v = new SyntheticVocab();
        v.normal("a", -1);
        Tokenizer noBytes = v.build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> noBytes.encode("b", false, false));
        assertTrue(e.getMessage().contains("0x62"), e.getMessage());

        SyntheticVocab w = new SyntheticVocab();
        w.unk = w.add("<unk>", 0, TokenType.UNKNOWN);
        w.normal("a", -1);
        assertArrayEquals(new int[] {w.unk, 1}, w.build().encode("ba", false, false));
    }

    @Test
    void spacesBecomeU2581AndAreNotPrefixedWithoutAddSpacePrefix() {
        SyntheticVocab v = new SyntheticVocab().withBytes();
        int sp = v.normal("\u2581", -5);
        int hi = v.normal("hi", -1);
        v.normal("h", -5);
        v.normal("i", -5);
        int spHi = v.normal("\u2581hi", 0);
        Tokenizer t = v.build();
        assertArrayEquals(new int[] {hi, spHi, sp}, t.encode("hi hi ", false, false));
        assertEquals("hi hi ", t.decode(t.encode("hi hi ", false, false)));
    }

    @Test
    void addSpacePrefixGoesBeforeTheFirstRawFragmentAndAfterEachToken() {
        SyntheticVocab v = new SyntheticVocab().withBytes().withBosEos();
        v.addSpacePrefix = true;
        v.normal("\u2581", -5);
        v.normal("h", -5);
        v.normal("i", -5);
        v.normal("hi", -1);
        int spHi = v.normal("\u2581hi", 0);
        int nl = v.add("\n", 0, TokenType.USER_DEFINED);
        Tokenizer t = v.build();
        assertArrayEquals(new int[] {v.bos, spHi, nl, spHi, v.eos}, t.encode("hi\nhi"));
        // llama_detokenize drops one leading space of the first token only
        assertEquals("hi\n hi", t.decode(t.encode("hi\nhi", false, true)));
    }

    @Test
    void userDefinedTokensAreAlwaysSplitControlTokensOnlyWithParseSpecial() {
        SyntheticVocab v = new SyntheticVocab().withBytes().withBosEos();
        int ctl = v.add("<x>", 0, TokenType.CONTROL);
        int ud = v.add("<u>", 0, TokenType.USER_DEFINED);
        int a = v.normal("a", -1);
        v.normal("b", -1);
        v.normal("ab", 5); // would merge across the token if fragments were not tokenized separately
        int lt = v.normal("<", -1), x = v.normal("x", -1), gt = v.normal(">", -1);
        int u = v.normal("u", -1);
        Tokenizer t = v.build();
        int b = t.tokenId("b");
        assertArrayEquals(new int[] {a, ctl, b, ud, a}, t.encode("a<x>b<u>a", false, true));
        assertArrayEquals(new int[] {a, lt, x, gt, b, ud, a}, t.encode("a<x>b<u>a", false, false));
        assertArrayEquals(new int[] {v.bos, v.bos, v.eos}, t.encode("<s>", true, true), "a BOS in the text is kept, as llama.cpp does");
        assertEquals(-1, t.tokenId("<y>"));
        assertTrue(u >= 0);
    }

    @Test
    void partitionTakesTheLongestRunAndCutsLongRunsFromTheLeft() {
        SyntheticVocab v = new SyntheticVocab().withBytes();
        int n1 = v.add("\n", 0, TokenType.USER_DEFINED);
        int n2 = v.add("\n\n", 0, TokenType.USER_DEFINED);
        int n3 = v.add("\n\n\n", 0, TokenType.USER_DEFINED);
        Tokenizer t = v.build();
        assertArrayEquals(new int[] {n3, n3, n1}, t.encode("\n".repeat(7), false, true));
        assertArrayEquals(new int[] {n3, n2}, t.encode("\n".repeat(5), false, false));
    }

    @Test
    void partlyOverlappingSpecialTokensFollowLlamaCppsLongestFirstOrder() {
        SyntheticVocab v = new SyntheticVocab().withBytes();
        int ab = v.add("ab", 0, TokenType.USER_DEFINED);
        int bcd = v.add("bcd", 0, TokenType.USER_DEFINED);
        int a = v.normal("a", -1), b = v.normal("b", -1);
        Tokenizer t = v.build();
        // llama.cpp splits out the longer "bcd" first; a leftmost scan would have taken "ab"
        assertArrayEquals(new int[] {a, bcd}, t.encode("abcd", false, true));
        assertArrayEquals(new int[] {ab, b}, t.encode("abb", false, true));
    }

    @Test
    void duplicateTextsResolveToTheHigherIdLikeLlamaCpp() {
        SyntheticVocab v = new SyntheticVocab();
        v.normal("q", 0);
        int second = v.normal("q", 0);
        assertArrayEquals(new int[] {second}, v.build().encode("q", false, false));
    }

    @Test
    void inconsistentArraysAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Tokenizer(new String[] {"a", "b"}, new float[1], new int[2], -1, -1, -1, -1, false, false, false));
        assertTrue(e.getMessage().contains("scores"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Tokenizer(new String[] {"a"}, new float[1], new int[1], -1, -1, -1, -1, true, false, false));
        assertTrue(e.getMessage().contains("BOS"), e.getMessage());
    }

    @Test
    void decodeRejectsIdsOutsideTheVocabulary() {
        SyntheticVocab v = new SyntheticVocab();
        v.normal("a", 0);
        Tokenizer t = v.build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {0, 7}));
        assertTrue(e.getMessage().contains("ids[1] = 7"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.piece(-1));
    }
}
