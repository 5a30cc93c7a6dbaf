// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The corpus {@code egemma bench} uses without {@code -i}: 1,000 English-like sentences of 4 to 64 words
 * (about 35 tokens each with BOS/EOS, like testdata/corpus/corpus-1000.txt), generated from a fixed seed so
 * every run and every machine measures the same texts.
 */
final class BenchCorpus {
    private static final String[] WORDS = ("the of and to in a is that for it as was with be by on not he this are or his from at "
            + "which but have an they you were her she there been one all we their has would when if so no what can more "
            + "out up some time two into only new other could its then these first people may like over also after model "
            + "embedding search query document vector memory thread batch token layer attention kernel matrix cache server "
            + "network river mountain city music history science language market energy water garden window morning "
            + "quickly carefully simple important different small large early recent open public").split(" ");
    private static final String[] ENDS = {".", ".", ".", "?", "!", ";"};

    private BenchCorpus() {}

    static List<String> texts(int count) {
        long state = 0x9E3779B97F4A7C15L;
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            state = next(state);
            int words = 4 + (int) ((state >>> 33) % 61);
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < words; w++) {
                state = next(state);
                String word = WORDS[(int) ((state >>> 33) % WORDS.length)];
                if (w == 0) word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
                sb.append(w == 0 ? "" : (state & 0xF) == 0 ? ", " : " ").append(word);
            }
            state = next(state);
            out.add(sb.append(ENDS[(int) ((state >>> 33) % ENDS.length)]).toString());
        }
        return out;
    }

    /** 64-bit LCG (Knuth's MMIX constants): fixed forever so the corpus never changes. */
    private static long next(long s) {
        return s * 6364136223846793005L + 1442695040888963407L;
    }
}
