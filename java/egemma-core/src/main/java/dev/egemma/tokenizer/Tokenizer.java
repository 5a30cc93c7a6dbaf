// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufStringArray;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * llama.cpp's SentencePiece tokenizer ({@code tokenizer.ggml.model = "llama"}, {@code LLAMA_VOCAB_TYPE_SPM}),
 * built from a GGUF's {@code tokenizer.ggml.*} keys only, id for id the same as {@code llama_tokenize}.
 *
 * <p>Encoding: the text is partitioned into special-token fragments and raw fragments (USER_DEFINED tokens
 * are always split out, CONTROL and UNKNOWN ones only with {@code parseSpecial}); each raw fragment gets
 * a leading space if {@code add_space_prefix} is set and it is the first fragment or follows a token,
 * has every U+0020 replaced by U+2581, and goes through greedy score-ordered pair merging with byte
 * fallback ({@link SpmMerger}). BOS and EOS are added per {@code add_bos_token}/{@code add_eos_token}
 * when {@code addSpecial} is on. This is not a unigram/Viterbi tokenizer.
 *
 * <p>Input edge cases:
 * <ul>
 *   <li>Empty text: no tokens besides BOS/EOS ({@code []} without specials).</li>
 *   <li>Lone surrogates (a {@code String} that is not valid UTF-16): each is treated as U+FFFD, the
 *       Unicode replacement character, so the text is tokenized as the valid text with U+FFFD in their
 *       place (U+FFFD being a vocabulary token or its bytes {@code EF BF BD}). llama.cpp takes UTF-8 and
 *       cannot be given a lone surrogate at all; Java's own UTF-8 encoder would write {@code '?'}, which
 *       would silently look like a real question mark. {@link #decode} therefore gives U+FFFD back.</li>
 *   <li>NUL and other control characters are ordinary code points: they merge if the vocabulary has them,
 *       otherwise they fall back to byte tokens ({@code "\0"} is {@code <0x00>}, {@code "\r"} is {@code <0x0D>}).</li>
 *   <li>Whitespace-only text: runs of newlines, tabs or 2+ spaces are USER_DEFINED tokens when the vocabulary
 *       has them (Gemma: up to 31 of one character, longer runs are cut from the left); a single space is
 *       {@code ▁}.</li>
 *   <li>Long text: the partition is one linear scan and the merge is O(n log n) in the fragment length,
 *       so 1 MB of text takes milliseconds, not minutes.</li>
 * </ul>
 *
 * <p>Instances are immutable and thread-safe; every encode call uses its own scratch space.
 */
public final class Tokenizer {
    /** llama.cpp's defaults for an SPM vocabulary whose GGUF lacks the keys. */
    private static final int DEFAULT_BOS = 1, DEFAULT_EOS = 2, DEFAULT_UNK = 0;

    private final Vocabulary vocab;
    private final float[] scores;
    private final int[] types; // raw tokenizer.ggml.token_type values, see TokenType.of
    private final int[] byteTokens; // byte value -> token id for the byte fallback, -1 if none
    private final SpecialTokenMatcher matcher;
    private final int bos, eos, unk, pad;
    private final boolean addBos, addEos, addSpacePrefix;

    Tokenizer(String[] tokens, float[] scores, int[] rawTypes, int bos, int eos, int unk, int pad,
              boolean addBos, boolean addEos, boolean addSpacePrefix) {
        this(vocabulary(tokens), scores, rawTypes, bos, eos, unk, pad, addBos, addEos, addSpacePrefix);
    }

    private static Vocabulary vocabulary(String[] tokens) {
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] == null) throw new IllegalArgumentException("token " + i + " has no text");
        }
        return new Vocabulary(tokens);
    }

    /** {@code scores} and {@code rawTypes} are kept, not copied. */
    private Tokenizer(Vocabulary vocab, float[] scores, int[] rawTypes, int bos, int eos, int unk, int pad,
                      boolean addBos, boolean addEos, boolean addSpacePrefix) {
        int n = vocab.size();
        if (n == 0) throw new IllegalArgumentException("the vocabulary is empty");
        if (scores.length != n)
            throw new IllegalArgumentException("tokenizer.ggml.scores has " + scores.length + " entries for " + n + " tokens");
        if (rawTypes.length != n)
            throw new IllegalArgumentException("tokenizer.ggml.token_type has " + rawTypes.length + " entries for " + n + " tokens");
        this.vocab = vocab;
        this.scores = scores;
        this.types = rawTypes;
        this.bos = bos;
        this.eos = eos;
        this.unk = unk;
        this.pad = pad;
        this.addBos = addBos;
        this.addEos = addEos;
        this.addSpacePrefix = addSpacePrefix;
        if (addBos && bos < 0) throw new IllegalArgumentException("add_bos_token is set but the vocabulary has no BOS token");
        if (addEos && eos < 0) throw new IllegalArgumentException("add_eos_token is set but the vocabulary has no EOS token");

        // llama.cpp's byte_to_token: "<0xXX>" (uppercase hex), else the byte itself as a one-char text.
        // llama.cpp aborts when neither exists; we fall back to the unknown token, or fail when encoding needs it.
        this.byteTokens = new int[256];
        char[] hex = {'<', '0', 'x', 0, 0, '>'}, one = new char[1];
        for (int b = 0; b < 256; b++) {
            hex[3] = HEX_DIGITS.charAt(b >> 4);
            hex[4] = HEX_DIGITS.charAt(b & 15);
            int id = vocab.find(hex, 0, hex.length);
            one[0] = (char) b;
            if (id < 0 && b < 0x80) id = vocab.find(one, 0, 1);
            byteTokens[b] = id >= 0 ? id : unk;
        }
        this.matcher = new SpecialTokenMatcher(vocab, types);
    }

    private static final String HEX_DIGITS = "0123456789ABCDEF";

    /**
     * Builds the tokenizer from {@code tokenizer.ggml.tokens}, {@code scores}, {@code token_type},
     * {@code bos/eos/unknown/padding_token_id}, {@code add_bos_token}, {@code add_eos_token} and
     * {@code add_space_prefix}. Missing optional keys take llama.cpp's SPM defaults (scores 0, type NORMAL,
     * BOS 1, EOS 2, UNK 0, add_bos true, add_eos false, add_space_prefix true); a BOS, EOS or UNK id outside
     * the vocabulary is refused (llama.cpp would use the default instead; see {@link #specialId}).
     *
     * @param f an open GGUF; the tokenizer copies what it keeps, so the file may be closed afterwards
     * @return the tokenizer
     * @throws IllegalArgumentException if the keys are missing, of the wrong type or inconsistent, or if
     *                                  {@code tokenizer.ggml.model} names another tokenizer than "llama"
     */
    public static Tokenizer fromGguf(GgufFile f) {
        String where = String.valueOf(f.path());
        String model = f.getString("tokenizer.ggml.model", "llama");
        if (!model.equals("llama"))
            throw new IllegalArgumentException(where + ": tokenizer.ggml.model is \"" + model
                    + "\"; only \"llama\" (SentencePiece merges) is supported");
        if (!f.has("tokenizer.ggml.tokens")) throw new IllegalArgumentException(where + ": missing tokenizer.ggml.tokens");
        GgufStringArray tokens = f.stringArray("tokenizer.ggml.tokens");
        int n = tokens.size();
        // scores and types are the metadata's own arrays (never modified, by contract of GgufFile): a copy of
        // each would be 1 MB more memory to touch when opening a model
        float[] scores = f.has("tokenizer.ggml.scores") ? f.getFloatArray("tokenizer.ggml.scores") : new float[n];
        int[] types;
        if (f.has("tokenizer.ggml.token_type")) {
            types = f.getIntArray("tokenizer.ggml.token_type");
        } else {
            types = new int[n];
            Arrays.fill(types, TokenType.NORMAL.ordinal());
        }
        int bos = specialId(f, "tokenizer.ggml.bos_token_id", DEFAULT_BOS, n, true);
        int eos = specialId(f, "tokenizer.ggml.eos_token_id", DEFAULT_EOS, n, true);
        int unk = specialId(f, "tokenizer.ggml.unknown_token_id", DEFAULT_UNK, n, true);
        int pad = specialId(f, "tokenizer.ggml.padding_token_id", -1, n, false);
        boolean addBos = f.getBoolean("tokenizer.ggml.add_bos_token", true);
        boolean addEos = f.getBoolean("tokenizer.ggml.add_eos_token", false);
        boolean addSpacePrefix = f.getBoolean("tokenizer.ggml.add_space_prefix", true);
        try {
            return new Tokenizer(vocabulary(f, tokens), scores, types, bos, eos, unk, pad, addBos, addEos, addSpacePrefix);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    /** The vocabulary index of a model file from its cache when it has a valid one (see {@link VocabularyCache}). */
    private static Vocabulary vocabulary(GgufFile f, GgufStringArray tokens) {
        VocabularyCache cache = f.mapsFile() && tokens.size() > 0 ? VocabularyCache.of(f.path()) : null;
        return cache != null ? cache.vocabulary(tokens) : Vocabulary.fromUtf8(tokens);
    }

    /**
     * A special token id. Outside the vocabulary, llama.cpp logs a warning and uses its default instead, which changes
     * every text's tokens (Gemma's BOS is 2, the SPM default 1): for the ids that shape the tokens ({@code strict})
     * such a file is refused as damaged rather than embedded differently from what its model was trained with. The
     * padding id never reaches an embedding, so it keeps llama.cpp's leniency (some converters write -1 for "none").
     */
    private static int specialId(GgufFile f, String key, int defaultId, int n, boolean strict) {
        long id = f.getLong(key, defaultId);
        if (id >= 0 && id < n) return (int) id;
        if (strict && f.has(key))
            throw new IllegalArgumentException(f.path() + ": " + key + " = " + id + " is not a token id (the vocabulary has " + n
                    + " tokens); llama.cpp would silently use " + defaultId + " instead, which changes every text's tokens");
        return defaultId < n ? defaultId : -1;
    }

    private static int parseByteToken(String text) {
        if (text.length() != 6 || !text.startsWith("<0x") || text.charAt(5) != '>') return -1;
        int hi = Character.digit(text.charAt(3), 16), lo = Character.digit(text.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
    }

    // ---------------------------------------------------------------- encode

    /**
     * {@code encode(text, true, true)}: BOS/EOS per the GGUF and control tokens parsed, like llama-embedding.
     *
     * @param text the text
     * @return the token ids, BOS/EOS included as the GGUF says; never truncated
     */
    public int[] encode(String text) {
        return encode(text, true, true);
    }

    /**
     * Token ids of {@code text}, exactly as llama.cpp's {@code llama_tokenize(vocab, text, add_special, parse_special)}.
     *
     * @param text         the text; lone surrogates are read as U+FFFD
     * @param addSpecial   add BOS and/or EOS as the GGUF's {@code add_bos_token}/{@code add_eos_token} say
     * @param parseSpecial split CONTROL/UNKNOWN token texts such as {@code <start_of_turn>} out as those tokens;
     *                     when off they are tokenized as ordinary text (USER_DEFINED tokens are split out either way)
     * @return the token ids; never truncated
     */
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        return encode(text, addSpecial, parseSpecial, true);
    }

    /** {@code splitWords = false} merges each raw fragment whole, exactly as llama.cpp does (for tests). */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial, boolean splitWords) {
        Objects.requireNonNull(text, "text");
        int n = text.length();
        char[] src = text.toCharArray();
        char[] escaped = new char[n];
        for (int i = 0; i < n; i++) {
            char c = src[i];
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(src[i + 1])) {
                    escaped[i] = c;
                    escaped[i + 1] = src[i + 1];
                    i++;
                    continue;
                }
                c = src[i] = '\uFFFD'; // lone surrogate, see the class documentation
            }
            escaped[i] = c == ' ' ? '\u2581' : c;
        }

        SpmMerger merger = new SpmMerger(vocab, scores, byteTokens, n / 3 + 4, splitWords);
        if (addSpecial && addBos) merger.emit(bos);
        matcher.partition(src, parseSpecial, new SpecialTokenMatcher.Sink() {
            boolean prevWasToken = true; // llama.cpp: the space prefix goes before the first raw fragment too

            @Override
            public void raw(int from, int to) {
                if (addSpacePrefix && prevWasToken) {
                    char[] prefixed = new char[to - from + 1];
                    prefixed[0] = '\u2581';
                    System.arraycopy(escaped, from, prefixed, 1, to - from);
                    merger.tokenize(prefixed, 0, prefixed.length);
                } else {
                    merger.tokenize(escaped, from, to);
                }
                prevWasToken = false;
            }

            @Override
            public void token(int id) {
                merger.emit(id);
                prevWasToken = true;
            }
        });
        if (addSpecial && addEos) merger.emit(eos);
        return merger.result();
    }

    /**
     * {@code encode(text, true, true, maxTokens, policy)}.
     *
     * @param text      the text
     * @param maxTokens the most ids to return, special tokens included
     * @param policy    what to do when the text has more
     * @return the ids and the untruncated length
     * @throws TooManyTokensException  if the text is too long and {@code policy} is {@link Truncation#ERROR}
     * @throws IllegalArgumentException if {@code maxTokens} cannot even hold the special tokens
     */
    public Encoding encode(String text, int maxTokens, Truncation policy) {
        return encode(text, true, true, maxTokens, policy);
    }

    /**
     * Encodes and applies a length limit such as the model's context (2048 for EmbeddingGemma).
     * {@link Truncation#TRUNCATE} keeps the first tokens and, if EOS was added, ends with EOS again, so
     * BOS and EOS both survive; {@link Truncation#ERROR} throws {@link TooManyTokensException}.
     * {@link Encoding#truncated()} says which happened.
     *
     * @param text         the text
     * @param addSpecial   add BOS and/or EOS as the GGUF says
     * @param parseSpecial split CONTROL/UNKNOWN token texts out as those tokens
     * @param maxTokens    the most ids to return, special tokens included
     * @param policy       what to do when the text has more
     * @return the ids and the untruncated length
     * @throws TooManyTokensException  if the text is too long and {@code policy} is {@link Truncation#ERROR}
     * @throws IllegalArgumentException if {@code maxTokens} cannot even hold the special tokens
     */
    public Encoding encode(String text, boolean addSpecial, boolean parseSpecial, int maxTokens, Truncation policy) {
        Objects.requireNonNull(policy, "policy");
        int specials = addSpecial ? (addBos ? 1 : 0) + (addEos ? 1 : 0) : 0;
        if (maxTokens < Math.max(1, specials))
            throw new IllegalArgumentException("maxTokens " + maxTokens + " cannot hold the " + specials + " special tokens plus text");
        int[] ids = encode(text, addSpecial, parseSpecial);
        if (ids.length <= maxTokens) return new Encoding(ids, ids.length);
        if (policy == Truncation.ERROR) throw new TooManyTokensException(ids.length, maxTokens);
        int[] kept = Arrays.copyOf(ids, maxTokens);
        if (addSpecial && addEos) kept[maxTokens - 1] = eos;
        return new Encoding(kept, ids.length);
    }

    // ---------------------------------------------------------------- decode

    /**
     * {@code decode(ids, false)}: control tokens (BOS, EOS, ...) are left out.
     *
     * @param ids token ids
     * @return the text
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * Text of {@code ids}, as llama.cpp's {@code llama_detokenize(remove_special = false, unparse_special = keepControl)}:
     * NORMAL pieces with U+2581 turned back into spaces, USER_DEFINED and UNKNOWN texts as they are, BYTE
     * tokens reassembled into UTF-8 (a sequence that is not valid UTF-8 becomes U+FFFD), CONTROL texts only
     * if {@code keepControl}, UNUSED tokens never. With {@code add_space_prefix}, one leading space of the
     * first token's text is dropped.
     *
     * <p>For text without CONTROL-token texts (and without literal U+2581, which encodes like a space),
     * {@code decode(encode(s))} is {@code s} when {@code add_space_prefix} is false.
     *
     * @param ids         token ids
     * @param keepControl true to write CONTROL tokens' texts (such as {@code <bos>})
     * @return the text
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    public String decode(int[] ids, boolean keepControl) {
        StringBuilder sb = new StringBuilder(ids.length * 4);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int k = 0; k < ids.length; k++) {
            int id = ids[k];
            checkId(id, "ids[" + k + "]");
            TokenType type = TokenType.of(types[id]);
            int b = type == TokenType.BYTE ? parseByteToken(vocab.text(id)) : -1;
            if (b >= 0) {
                if (k == 0 && addSpacePrefix && b == ' ') continue;
                bytes.write(b);
                continue;
            }
            String piece = switch (type) {
                case NORMAL -> vocab.text(id).replace('\u2581', ' ');
                case USER_DEFINED, UNKNOWN -> vocab.text(id);
                case CONTROL -> keepControl ? vocab.text(id) : "";
                case BYTE -> vocab.text(id); // a BYTE token whose text is not <0xXX>: its text is all we have
                case UNUSED, UNDEFINED -> "";
            };
            if (k == 0 && addSpacePrefix && piece.startsWith(" ")) piece = piece.substring(1);
            if (bytes.size() > 0) {
                sb.append(bytes.toString(StandardCharsets.UTF_8));
                bytes.reset();
            }
            sb.append(piece);
        }
        if (bytes.size() > 0) sb.append(bytes.toString(StandardCharsets.UTF_8));
        return sb.toString();
    }

    // ---------------------------------------------------------------- vocabulary

    /**
     * The token's text as stored in the vocabulary ({@code "▁world"}, {@code "<bos>"}, {@code "<0x0D>"}).
     *
     * @param id a token id, 0 to {@code vocabSize() - 1}
     * @return the stored text
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    public String piece(int id) {
        checkId(id, "token id");
        return vocab.text(id);
    }

    /**
     * The id whose text is exactly {@code text}, or -1.
     *
     * @param text a token's stored text, e.g. {@code "▁world"} or {@code "<start_of_turn>"}
     * @return the id, or -1 if no token has that text
     */
    public int tokenId(String text) {
        return vocab.find(text);
    }

    /**
     * The type of token {@code id}, as {@code tokenizer.ggml.token_type} gives it.
     *
     * @param id a token id, 0 to {@code vocabSize() - 1}
     * @return the type ({@link TokenType#NORMAL} when the GGUF lists no types)
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    public TokenType tokenType(int id) {
        checkId(id, "token id");
        return TokenType.of(types[id]);
    }

    /**
     * The merge score of token {@code id}: of two candidate merges, the one with the higher score is made first.
     *
     * @param id a token id, 0 to {@code vocabSize() - 1}
     * @return the score (0 when the GGUF lists no scores)
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    public float score(int id) {
        checkId(id, "token id");
        return scores[id];
    }

    /**
     * Number of tokens in the vocabulary.
     *
     * @return the vocabulary size (262,144 for Gemma 3)
     */
    public int vocabSize() {
        return vocab.size();
    }

    /**
     * The beginning-of-sequence token.
     *
     * @return its id (default 1), or -1 when the vocabulary is too small for the default
     */
    public int bosId() {
        return bos;
    }

    /**
     * The end-of-sequence token.
     *
     * @return its id (default 2), or -1 when the vocabulary is too small for the default
     */
    public int eosId() {
        return eos;
    }

    /**
     * The unknown token's id, or -1.
     *
     * @return the id (default 0), or -1
     */
    public int unknownId() {
        return unk;
    }

    /**
     * The padding token's id, or -1.
     *
     * @return the id, or -1 when the GGUF names none
     */
    public int paddingId() {
        return pad;
    }

    /**
     * Whether encoding with special tokens puts BOS first ({@code tokenizer.ggml.add_bos_token}).
     *
     * @return true if BOS is added (the default)
     */
    public boolean addBos() {
        return addBos;
    }

    /**
     * Whether encoding with special tokens puts EOS last ({@code tokenizer.ggml.add_eos_token}).
     *
     * @return true if EOS is added (default false; EmbeddingGemma's GGUF sets it)
     */
    public boolean addEos() {
        return addEos;
    }

    /**
     * Whether a space is put before the text's first raw fragment ({@code tokenizer.ggml.add_space_prefix}).
     *
     * @return true if the prefix is added (the default)
     */
    public boolean addSpacePrefix() {
        return addSpacePrefix;
    }

    /** For tests: the partition scan. */
    SpecialTokenMatcher matcher() {
        return matcher;
    }

    private void checkId(int id, String what) {
        if (id < 0 || id >= types.length)
            throw new IllegalArgumentException(what + " = " + id + " is outside the vocabulary [0, " + types.length + ")");
    }
}
