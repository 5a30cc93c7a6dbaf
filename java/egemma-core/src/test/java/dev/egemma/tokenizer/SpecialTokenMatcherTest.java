// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import dev.egemma.testing.MiniJson;
import dev.egemma.testing.TestData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one-pass leftmost-longest scan against llama.cpp's own partition algorithm (candidates longest
 * first, each splitting every raw fragment at its left-most occurrences), written out naively here.
 */
class SpecialTokenMatcherTest {
    private final Tokenizer tok = GemmaVocab.tokenizer();

    /** A fragment: raw text, or a token id. */
    record Fragment(String raw, int id) {}

    static List<Fragment> scan(Tokenizer t, String text, boolean parseSpecial) {
        List<Fragment> out = new ArrayList<>();
        t.matcher().partition(text.toCharArray(), parseSpecial, new SpecialTokenMatcher.Sink() {
            @Override
            public void raw(int from, int to) {
                out.add(new Fragment(text.substring(from, to), -1));
            }

            @Override
            public void token(int id) {
                out.add(new Fragment(null, id));
            }
        });
        return out;
    }

    static List<Fragment> llamaCppPartition(Tokenizer t, List<Integer> candidates, String text, boolean parseSpecial) {
        List<Fragment> frags = new ArrayList<>();
        if (!text.isEmpty()) frags.add(new Fragment(text, -1));
        for (int id : candidates) {
            TokenType type = t.tokenType(id);
            if (!parseSpecial && (type == TokenType.CONTROL || type == TokenType.UNKNOWN)) continue;
            String special = t.piece(id);
            List<Fragment> next = new ArrayList<>();
            for (Fragment f : frags) {
                if (f.raw == null || !f.raw.contains(special)) {
                    next.add(f);
                    continue;
                }
                String rest = f.raw;
                int at;
                while ((at = rest.indexOf(special)) >= 0) {
                    if (at > 0) next.add(new Fragment(rest.substring(0, at), -1));
                    next.add(new Fragment(null, id));
                    rest = rest.substring(at + special.length());
                }
                if (!rest.isEmpty()) next.add(new Fragment(rest, -1));
            }
            frags = next;
        }
        return frags;
    }

    @Test
    void theGemmaVocabularyQualifiesForTheScan() throws IOException {
        assertTrue(tok.matcher().scanIsExact());
        try (var f = dev.egemma.gguf.GgufFile.open(TestData.file("golden/small-f32.gguf"))) {
            assertTrue(Tokenizer.fromGguf(f).matcher().scanIsExact());
        }
    }

    /** Partly overlapping candidates make the scan differ, so the matcher must fall back to llama.cpp's order. */
    @Test
    void overlappingCandidatesUseLlamaCppsAlgorithm() {
        SyntheticVocab v = new SyntheticVocab().withBytes();
        for (String t : new String[] {"ab", "bcd", "cd", "xyx", "\n", "\n\n", "\n<", "<s>"}) v.add(t, 0, TokenType.USER_DEFINED);
        v.add("<c>", 0, TokenType.CONTROL);
        v.add("c>a", 0, TokenType.CONTROL);
        Tokenizer t = v.build();
        assertTrue(!t.matcher().scanIsExact());
        List<Integer> candidates = new ArrayList<>(IntStream.range(0, t.vocabSize())
                .filter(id -> t.tokenType(id).isPartitionCandidate()).boxed().toList());
        candidates.sort(Comparator.comparingInt((Integer id) -> t.piece(id).getBytes(StandardCharsets.UTF_8).length).reversed());
        String[] bits = {"a", "b", "c", "d", "x", "y", "\n", "<", ">", "s", "<c>", "ab", "cd"};
        SplittableRandom rnd = new SplittableRandom(3);
        int differsFromScan = 0;
        for (int i = 0; i < 3000; i++) {
            StringBuilder b = new StringBuilder();
            for (int k = rnd.nextInt(1, 16); k > 0; k--) b.append(bits[rnd.nextInt(bits.length)]);
            String text = b.toString();
            for (boolean parseSpecial : new boolean[] {true, false}) {
                List<Fragment> expected = llamaCppPartition(t, candidates, text, parseSpecial);
                assertEquals(expected, scan(t, text, parseSpecial), () -> TokenizerParityTest.quote(text));
                if (!expected.equals(leftmostLongest(t, text, parseSpecial))) differsFromScan++;
            }
        }
        assertTrue(differsFromScan > 100, "the texts should hit the overlaps, got " + differsFromScan);
    }

    /** What the one-pass scan would give, calling match() directly. */
    private static List<Fragment> leftmostLongest(Tokenizer t, String text, boolean parseSpecial) {
        List<Fragment> out = new ArrayList<>();
        char[] c = text.toCharArray();
        int raw = 0;
        for (int i = 0; i < c.length; ) {
            long m = t.matcher().match(c, i, c.length, parseSpecial);
            if (m < 0) {
                i++;
                continue;
            }
            if (raw < i) out.add(new Fragment(text.substring(raw, i), -1));
            out.add(new Fragment(null, (int) m));
            i += (int) (m >>> 32);
            raw = i;
        }
        if (raw < c.length) out.add(new Fragment(text.substring(raw), -1));
        return out;
    }

    @Test
    void scanEqualsLlamaCppPartitionOnCorpusVectorsAndRandomLookAlikes() throws IOException {
        List<Integer> candidates = new ArrayList<>(IntStream.range(0, tok.vocabSize())
                .filter(id -> tok.tokenType(id).isPartitionCandidate()).boxed().toList());
        candidates.sort(Comparator.comparingInt((Integer id) -> tok.piece(id).getBytes(StandardCharsets.UTF_8).length).reversed());
        assertTrue(candidates.size() > 6000, "candidates: " + candidates.size());

        List<String> texts = new ArrayList<>(Files.readAllLines(TestData.file("corpus/corpus-1000.txt")));
        for (String line : Files.readAllLines(TestData.file("tokenizer/public.jsonl"))) {
            if (!line.isBlank()) texts.add((String) MiniJson.object(line).get("text"));
        }
        SplittableRandom rnd = new SplittableRandom(42);
        String[] pieces = {"\n", "\t", " ", "<", ">", "<b>", "</b>", "<bos>", "<unused1", "2>", "<start_of_turn>", "[multimodal]", "x"};
        for (int i = 0; i < 500; i++) {
            StringBuilder b = new StringBuilder();
            for (int k = rnd.nextInt(1, 40); k > 0; k--) b.append(pieces[rnd.nextInt(pieces.length)]);
            texts.add(b.toString());
        }
        int tokensSeen = 0;
        for (String text : texts) {
            for (boolean parseSpecial : new boolean[] {true, false}) {
                List<Fragment> expected = llamaCppPartition(tok, candidates, text, parseSpecial);
                assertEquals(expected, scan(tok, text, parseSpecial), () -> TokenizerParityTest.quote(text));
                tokensSeen += (int) expected.stream().filter(f -> f.raw == null).count();
            }
        }
        assertTrue(tokensSeen > 1000, "the texts should contain special tokens, saw " + tokensSeen);
    }
}
