// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded random texts over all Unicode planes, whitespace runs and special-token look-alikes.
 *
 * <p>Why decode inverts encode: spaces become U+2581 and back (so a literal U+2581 in the input comes
 * back as a space, and is compared that way), USER_DEFINED tokens decode to their own text, byte tokens
 * are reassembled into UTF-8, and merged pieces are substrings of the input. Only CONTROL texts split out
 * by parse_special are lost when decode leaves control tokens out; with keepControl they come back too.
 */
class TokenizerPropertyTest {
    private static final String[] LOOK_ALIKES = {
            "<bos>", "<eos>", "<pad>", "<unk>", "<mask>", "<start_of_turn>", "<end_of_turn>", "<unused0>", "<unused6241>",
            "<start_of_image>", "<end_of_image>", "<image_soft_token>", "[multimodal]", "<b>", "</b>", "<table>", "<p>",
            "<b class=x>", "<bos", "bos>", "< bos >", "<<bos>>", "<0x41>", "<0xZZ>", "</s>", "<s>", "<unused99999>",
            "\u2581", "\u2581\u2581", "<start_of_turn", "\u2581<bos>",
    };
    private final Tokenizer tok = GemmaVocab.tokenizer();

    @Test
    void encodeNeverThrowsIdsAreInRangeAndDecodeInvertsEncode() {
        SplittableRandom rnd = new SplittableRandom(0x5eed_2026L);
        List<String> controlTexts = new ArrayList<>();
        for (int id = 0; id < tok.vocabSize(); id++) {
            if (tok.tokenType(id) == TokenType.CONTROL || tok.tokenType(id) == TokenType.UNKNOWN) controlTexts.add(tok.piece(id));
        }
        int withControl = 0;
        for (int iter = 0; iter < 3000; iter++) {
            String s = randomText(rnd);
            String expected = s.replace('\u2581', ' ');
            try {
                for (boolean addSpecial : new boolean[] {true, false}) {
                    for (boolean parseSpecial : new boolean[] {true, false}) {
                        int[] ids = tok.encode(s, addSpecial, parseSpecial);
                        for (int id : ids) assertTrue(id >= 0 && id < tok.vocabSize(), "id " + id);
                        if (addSpecial) {
                            assertEquals(tok.bosId(), ids[0]);
                            assertEquals(tok.eosId(), ids[ids.length - 1]);
                        }
                        // CONTROL texts come back when kept, or when they were never parsed as tokens
                        if (!addSpecial) assertEquals(expected, tok.decode(ids, true), "keepControl");
                        if (!parseSpecial) assertEquals(expected, tok.decode(ids));
                    }
                }
                boolean hasControl = controlTexts.stream().anyMatch(s::contains);
                if (hasControl) withControl++;
                else assertEquals(expected, tok.decode(tok.encode(s)));
            } catch (AssertionError | RuntimeException e) {
                fail("seeded text #" + iter + " " + TokenizerParityTest.quote(s) + ": " + e, e);
            }
        }
        assertTrue(withControl > 100, "the generator should produce control-token texts too, got " + withControl);
    }

    private static String randomText(SplittableRandom rnd) {
        StringBuilder b = new StringBuilder();
        int parts = rnd.nextInt(1, 12);
        for (int p = 0; p < parts; p++) {
            switch (rnd.nextInt(7)) {
                case 0 -> { // any plane: BMP (no surrogates), SMP, SIP, TIP, SSP, private use planes
                    int n = rnd.nextInt(1, 8);
                    for (int k = 0; k < n; k++) {
                        int plane = rnd.nextInt(4) == 0 ? rnd.nextInt(17) : 0;
                        int cp;
                        do cp = plane << 16 | rnd.nextInt(0x10000); while (cp >= 0xD800 && cp <= 0xDFFF);
                        b.appendCodePoint(cp);
                    }
                }
                case 1 -> b.append(" \n\t\r".charAt(rnd.nextInt(4)) == ' ' ? " ".repeat(rnd.nextInt(1, 70))
                        : String.valueOf(" \n\t\r".charAt(rnd.nextInt(4))).repeat(rnd.nextInt(1, 70)));
                case 2 -> b.append(LOOK_ALIKES[rnd.nextInt(LOOK_ALIKES.length)]);
                case 3 -> {
                    int n = rnd.nextInt(1, 12);
                    for (int k = 0; k < n; k++) b.append((char) rnd.nextInt(0x20, 0x7f));
                }
                case 4 -> b.append(new String[] {"Hello", " world", "the", " quick", "données", "Привет", "日本語", "مرحبا", "नमस्ते", "🙂", "👩‍💻"}[rnd.nextInt(11)]);
                case 5 -> b.append((char) rnd.nextInt(0, 0x20)); // controls incl. NUL
                default -> b.append(' ').append((char) rnd.nextInt('a', 'z' + 1));
            }
        }
        return b.toString();
    }
}
