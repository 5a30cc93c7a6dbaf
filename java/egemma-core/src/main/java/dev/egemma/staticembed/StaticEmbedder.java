// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import dev.egemma.tokenizer.Tokenizer;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;

/**
 * Embeddings from a distilled EMB8 table: tokenize with the teacher's tokenizer, average the dequantized
 * rows of the tokens, L2-normalize. Thread-safe (immutable; the mapping is shared). Apart from the
 * tokenizer's own scratch, an embedding allocates only its result, which doubles as the accumulator.
 *
 * <p>BOS/EOS: every row was distilled from the teacher's embedding of {@code [BOS, token, EOS]}, so the
 * special tokens' context is already inside each row. The text is therefore tokenized as the teacher
 * tokenizes it (specials added, control tokens parsed) and the added BOS/EOS are dropped before averaging;
 * only when nothing else remains (the empty text) are their rows averaged, so every text has a vector.
 * There is no context limit: long texts are averaged whole.
 */
public final class StaticEmbedder implements AutoCloseable {
    private final Emb8File file;
    private final Tokenizer tokenizer;
    private final MemorySegment rows;
    private final int dim;
    private final int bos, eos;
    private final boolean addBos, addEos;

    private StaticEmbedder(Emb8File file) {
        this.file = file;
        this.tokenizer = file.tokenizer();
        this.rows = file.rows();
        this.dim = file.embedDim();
        this.addBos = tokenizer.addBos();
        this.addEos = tokenizer.addEos();
        this.bos = tokenizer.bosId();
        this.eos = tokenizer.eosId();
    }

    /**
     * Maps and validates an EMB8 file; the mapping lives until {@link #close()}.
     *
     * @param emb8 the EMB8 file (version 2, or the legacy version 1 with its tokenizer inside)
     * @return the embedder; close it when done
     * @throws IOException          if the file cannot be read
     * @throws Emb8FormatException if the file is malformed or carries no tokenizer
     */
    public static StaticEmbedder open(Path emb8) throws IOException {
        return new StaticEmbedder(Emb8File.open(emb8));
    }

    /**
     * As {@link #open(Path)}, with the tokenizer given beside the file (needed for version 1, the original prep tool's
     * layout; it replaces the file's own otherwise). See {@code dev.egemma.tokenizer.TokenizerFiles.open}.
     *
     * @param emb8      the EMB8 file
     * @param tokenizer the teacher's tokenizer; its vocabulary size must match the table's
     * @return the embedder; close it when done
     * @throws IOException if the file cannot be read or is malformed
     */
    public static StaticEmbedder open(Path emb8, Tokenizer tokenizer) throws IOException {
        return new StaticEmbedder(Emb8File.open(emb8, tokenizer));
    }

    /**
     * As {@link #open(Path, Tokenizer)} with the tokenizer read from {@code tokenizerFile} (a GGUF or SentencePiece's
     * {@code tokenizer.model}), or as {@link #open(Path)} when it is null: what a command's {@code --tokenizer} means.
     *
     * @param emb8 the EMB8 file
     * @param tokenizerFile a GGUF or {@code tokenizer.model} whose tokenizer replaces the file's own, or null for the
     *     file's own (a version 1 file has none: null fails)
     * @return the embedder; close it to unmap the file
     * @throws IOException if either file cannot be read or is not a valid EMB8 table or tokenizer
     */
    public static StaticEmbedder open(Path emb8, Path tokenizerFile) throws IOException {
        return tokenizerFile == null ? open(emb8) : open(emb8, dev.egemma.tokenizer.TokenizerFiles.open(tokenizerFile));
    }

    /**
     * Wraps an already validated file (closing the embedder closes the file).
     *
     * @param file an open EMB8 file
     * @return the embedder
     */
    public static StaticEmbedder of(Emb8File file) {
        return new StaticEmbedder(file);
    }

    /**
     * The normalized embedding of {@code text}.
     *
     * @param text the text (no prompt is added)
     * @return a unit vector of {@link #dimension()} floats (the zero vector only if all rows summed to zero)
     */
    public float[] embed(String text) {
        return embed(text, true);
    }

    /**
     * The embedding of {@code text}: the mean of its rows, L2-normalized if {@code normalize}.
     *
     * @param text      the text
     * @param normalize true for unit length, false for the plain mean
     * @return a new vector of {@link #dimension()} floats
     */
    public float[] embed(String text, boolean normalize) {
        return embedSequence(tokenizer.encode(text), normalize);
    }

    /**
     * The embedding of a sequence tokenized as the teacher tokenizes (BOS/EOS added, e.g. by {@link #tokenize}
     * or a server's tokenizer): a leading BOS and trailing EOS are dropped unless nothing else remains.
     *
     * @param ids       token ids, as {@link #tokenize} gives them
     * @param normalize true for unit length, false for the plain mean
     * @return a new vector of {@link #dimension()} floats
     * @throws IndexOutOfBoundsException if an id is outside the vocabulary
     */
    public float[] embedSequence(int[] ids, boolean normalize) {
        int from = addBos && ids.length > 0 && ids[0] == bos ? 1 : 0;
        int to = addEos && ids.length > from && ids[ids.length - 1] == eos ? ids.length - 1 : ids.length;
        if (from == to) return average(ids, 0, ids.length, normalize); // the empty text: its BOS/EOS rows
        return average(ids, from, to, normalize);
    }

    /**
     * Embeddings of several texts, in order.
     *
     * @param texts the texts
     * @return one unit vector per text
     */
    public float[][] embed(List<String> texts) {
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < out.length; i++) out[i] = embed(texts.get(i));
        return out;
    }

    /**
     * The token ids {@link #embed(String)} starts from (specials included, as the teacher tokenizes).
     *
     * @param text the text
     * @return the ids, BOS and EOS included when the tokenizer adds them
     */
    public int[] tokenize(String text) {
        return tokenizer.encode(text);
    }

    /**
     * The average of the dequantized rows of {@code ids} (all of them, specials included if given),
     * L2-normalized if {@code normalize}. An empty list gives the zero vector.
     *
     * @param ids       token ids, each row averaged as given
     * @param normalize true for unit length, false for the plain mean
     * @return a new vector of {@link #dimension()} floats
     * @throws IndexOutOfBoundsException if an id is outside the vocabulary
     */
    public float[] embedTokens(int[] ids, boolean normalize) {
        return average(ids, 0, ids.length, normalize);
    }

    private float[] average(int[] ids, int from, int to, boolean normalize) {
        float[] acc = new float[dim];
        int vocab = file.vocabSize();
        for (int i = from; i < to; i++) {
            int t = ids[i];
            if (t < 0 || t >= vocab) throw new IndexOutOfBoundsException("token id " + t + " outside the vocabulary of " + vocab);
            float s = file.scale(t);
            long off = (long) t * dim;
            // A plain loop rather than the Vector API: the API's classes take tens of ms to initialize and run
            // interpreted for the first calls, which opening a table and embedding the first texts would pay; warm,
            // the loop costs about 0.2 us more per corpus line (0.6 against 0.4). Element-wise multiply then add:
            // the same bits on every machine.
            for (int j = 0; j < dim; j++) acc[j] += s * rows.get(ValueLayout.JAVA_BYTE, off + j);
        }
        int n = to - from;
        if (n == 0) return acc;
        if (normalize) {
            double ss = 0;
            for (float v : acc) ss += (double) v * v;
            if (ss > 0) {
                double inv = 1 / Math.sqrt(ss); // in double: a float 1/sqrt would overflow for denormal sums
                for (int j = 0; j < dim; j++) acc[j] = (float) (acc[j] * inv);
            }
        } else {
            float inv = 1f / n;
            for (int j = 0; j < dim; j++) acc[j] *= inv;
        }
        return acc;
    }

    /**
     * Width of the vectors.
     *
     * @return the table's width, {@link Emb8File#embedDim()}
     */
    public int dimension() {
        return dim;
    }

    /**
     * The tokenizer texts are split with.
     *
     * @return the file's tokenizer, or the one given to {@link #open(Path, Tokenizer)}
     */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * The table this embedder reads.
     *
     * @return the open file, closed with this embedder
     */
    public Emb8File file() {
        return file;
    }

    @Override
    public void close() {
        file.close();
    }
}
