// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import java.util.ArrayList;
import java.util.List;

/** Builds small vocabularies for unit tests: ids in insertion order, with the 256 byte tokens on request. */
final class SyntheticVocab {
    private final List<String> texts = new ArrayList<>();
    private final List<Float> scores = new ArrayList<>();
    private final List<Integer> types = new ArrayList<>();
    int bos = -1, eos = -1, unk = -1;
    boolean addBos, addEos, addSpacePrefix;

    int add(String text, float score, TokenType type) {
        texts.add(text);
        scores.add(score);
        types.add(type.ordinal());
        return texts.size() - 1;
    }

    int normal(String text, float score) {
        return add(text, score, TokenType.NORMAL);
    }

    SyntheticVocab withBytes() {
        for (int b = 0; b < 256; b++) add(String.format("<0x%02X>", b), 0f, TokenType.BYTE);
        return this;
    }

    SyntheticVocab withBosEos() {
        bos = add("<s>", 0f, TokenType.CONTROL);
        eos = add("</s>", 0f, TokenType.CONTROL);
        addBos = true;
        addEos = true;
        return this;
    }

    Tokenizer build() {
        float[] s = new float[scores.size()];
        int[] t = new int[types.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
            t[i] = types.get(i);
        }
        return new Tokenizer(texts.toArray(String[]::new), s, t, bos, eos, unk, -1, addBos, addEos, addSpacePrefix);
    }
}
