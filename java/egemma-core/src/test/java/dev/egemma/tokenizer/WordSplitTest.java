// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import dev.egemma.testing.MiniJson;
import dev.egemma.testing.TestData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cutting raw fragments before U+2581 (the speed-up in {@link SpmMerger#tokenize}) against merging each
 * fragment whole, as llama.cpp does, including the one Gemma token with an inner U+2581 ({@code ">▁</"}).
 */
class WordSplitTest {
    private final Tokenizer tok = GemmaVocab.tokenizer();

    @Test
    void splittingAtWordStartsGivesTheSameIdsAsMergingWholeFragments() throws IOException {
        List<String> texts = new ArrayList<>(Files.readAllLines(TestData.file("corpus/corpus-1000.txt")));
        for (String line : Files.readAllLines(TestData.file("tokenizer/public.jsonl"))) {
            if (!line.isBlank()) texts.add((String) MiniJson.object(line).get("text"));
        }
        String[] bits = {"> </", ">", "<", "/", " ", "a", "div", "\u2581", "x> </y", "> <", "</"};
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 2000; i++) {
            StringBuilder b = new StringBuilder();
            for (int k = rnd.nextInt(1, 20); k > 0; k--) b.append(bits[rnd.nextInt(bits.length)]);
            texts.add(b.toString());
        }
        for (String t : texts) {
            for (boolean parseSpecial : new boolean[] {true, false}) {
                assertArrayEquals(tok.encode(t, true, parseSpecial, false), tok.encode(t, true, parseSpecial, true),
                        () -> TokenizerParityTest.quote(t));
            }
        }
    }

    @Test
    void aTokenAcrossAWordStartIsStillFormed() {
        int bridge = tok.tokenId(">\u2581</");
        assertTrue(bridge >= 0, "the Gemma vocabulary has \">\u2581</\"");
        int[] ids = tok.encode("x> </y", false, true);
        assertTrue(Arrays.stream(ids).anyMatch(id -> id == bridge), Arrays.toString(ids));
        assertArrayEquals(tok.encode("x> </y", false, true, false), ids);
    }
}
