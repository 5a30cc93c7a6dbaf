// SPDX-License-Identifier: Apache-2.0
package dev.egemma;

import dev.egemma.tokenizer.TokenOffsets;
import dev.egemma.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How a text longer than one embedding is cut ({@link Embedder#embedChunks}): windows of at most {@code chunkTokens}
 * of the text's tokens, each starting {@code chunkTokens - overlapTokens} after the previous one, on token boundaries.
 *
 * @param chunkTokens   tokens of the text per chunk (special and prompt tokens not counted), >= 1
 * @param overlapTokens tokens two consecutive chunks share, {@code 0 <= overlap < chunkTokens}
 * @param late          false: each chunk is embedded on its own (BOS, prompt, its tokens, EOS). true ("late
 *                      chunking"): the whole text runs through the model once, so every token sees its neighbours
 *                      in the other chunks, and each chunk's vector is the mean of its own tokens' final states (the
 *                      first chunk's with BOS and the prompt, the last's with EOS) before the dense layers and the norm;
 *                      the text must then fit the context
 */
public record Chunking(int chunkTokens, int overlapTokens, boolean late) {
    /**
     * Checks the sizes.
     *
     * @throws IllegalArgumentException if {@code chunkTokens} is below 1 or {@code overlapTokens} is not in
     *                                  {@code [0, chunkTokens)}
     */
    public Chunking {
        if (chunkTokens < 1) throw new IllegalArgumentException("chunk tokens must be >= 1, got " + chunkTokens);
        if (overlapTokens < 0 || overlapTokens >= chunkTokens)
            throw new IllegalArgumentException("chunk overlap must be 0.." + (chunkTokens - 1) + " (less than the chunk), got " + overlapTokens);
    }

    /**
     * One chunk: tokens {@code [tokenFrom, tokenTo)} of the text's tokens (no BOS, EOS or prompt), characters
     * {@code [charFrom, charTo)} of the text in code points (-1 where the tokens do not map back to the text), and its
     * embedding (normalized and cut as the Embedder's options say).
     *
     * @param tokenFrom first token of the chunk, an index into the text's tokens
     * @param tokenTo   end of the chunk's tokens, exclusive
     * @param charFrom  first code point of the chunk in the text; -1 where the tokens do not map back to the text
     * @param charTo    end of the chunk's code points, exclusive; -1 where unmapped
     * @param vector    the chunk's embedding
     */
    public record Chunk(int tokenFrom, int tokenTo, int charFrom, int charTo, float[] vector) {}

    /**
     * The windows over {@code n} tokens, as {@code [from0, to0, from1, to1, ...]}; one empty window for an empty text.
     *
     * @param n the text's token count (no special or prompt tokens), &gt;= 0
     * @return pairs of token indices, {@code to} exclusive, the last ending at {@code n}
     */
    public int[] windows(int n) {
        if (n == 0) return new int[] {0, 0};
        int step = chunkTokens - overlapTokens;
        List<Integer> w = new ArrayList<>();
        for (int from = 0; ; from += step) {
            int to = Math.min(n, from + chunkTokens);
            w.add(from);
            w.add(to);
            if (to == n) break;
        }
        return w.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The token sequences of {@link #late} {@code false}: BOS, prompt, window, EOS, as the tokenizer adds them. */
    static List<int[]> separate(Tokenizer t, int[] prompt, int[] text, int[] windows) {
        List<int[]> out = new ArrayList<>(windows.length / 2);
        for (int i = 0; i < windows.length; i += 2) out.add(withSpecials(t, prompt, Arrays.copyOfRange(text, windows[i], windows[i + 1])));
        return out;
    }

    /** BOS, prompt, tokens, EOS (each special only where the vocabulary adds it). */
    static int[] withSpecials(Tokenizer t, int[] prompt, int[] tokens) {
        int bos = t.addBos() ? 1 : 0, eos = t.addEos() ? 1 : 0;
        int[] seq = new int[bos + prompt.length + tokens.length + eos];
        if (bos == 1) seq[0] = t.bosId();
        System.arraycopy(prompt, 0, seq, bos, prompt.length);
        System.arraycopy(tokens, 0, seq, bos + prompt.length, tokens.length);
        if (eos == 1) seq[seq.length - 1] = t.eosId();
        return seq;
    }

    /**
     * The pooled spans of {@link #late} {@code true} in the sequence {@link #withSpecials}(prompt, text): each window
     * shifted past BOS and the prompt, the first reaching back to position 0, the last on to the end (EOS).
     */
    static int[] lateSpans(Tokenizer t, int promptLength, int[] windows, int sequenceLength) {
        int shift = (t.addBos() ? 1 : 0) + promptLength;
        int[] spans = new int[windows.length];
        for (int i = 0; i < windows.length; i += 2) {
            spans[i] = i == 0 ? 0 : windows[i] + shift;
            spans[i + 1] = i + 2 == windows.length ? sequenceLength : windows[i + 1] + shift;
        }
        return spans;
    }

    /** The chunks' character spans from the text's token offsets. */
    static List<Chunk> chunks(Tokenizer t, String text, int[] tokens, int[] windows, float[][] vectors) {
        int[][] offsets = TokenOffsets.of(t, text, tokens, false);
        List<Chunk> out = new ArrayList<>(vectors.length);
        for (int i = 0, c = 0; i < windows.length; i += 2, c++) {
            int from = windows[i], to = windows[i + 1];
            int charFrom = from == to ? (text.isEmpty() ? 0 : -1) : offsets[from][0];
            int charTo = from == to ? (text.isEmpty() ? 0 : -1) : offsets[to - 1][1];
            if (charFrom < 0 || charTo < 0) charFrom = charTo = -1;
            out.add(new Chunk(from, to, charFrom, charTo, vectors[c]));
        }
        return out;
    }
}
