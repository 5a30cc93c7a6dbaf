// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import dev.egemma.gguf.GgufValue;
import dev.egemma.gguf.GgufValueType;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SentencePiece's {@code tokenizer.model} (a serialized {@code sentencepiece.ModelProto}), the fields egemma's
 * tokenizer needs: every piece (text, score, type), the trainer's model type, byte fallback and special ids, and the
 * normalizer's name and dummy-prefix flag. Everything else is skipped unread. The protobuf is read by a bounded
 * {@link ProtoReader}; a malformed file is a {@link SentencePieceFormatException} naming the byte and the field.
 *
 * <p>{@link #tokenizerKeys()} turns it into the {@code tokenizer.*} keys llama.cpp's converter
 * ({@code convert_hf_to_gguf.py}, {@code _create_vocab_sentencepiece} with Gemma 3's {@code added_tokens_decoder})
 * writes, so {@link #tokenizer()} is built by the GGUF path itself and gives the same ids.
 */
public final class SentencePieceModel {
    /** Gemma 3's tokenizer.model is 4.7 MB; 256 MiB leaves room for any real vocabulary and bounds what is read. */
    static final long MAX_BYTES = 256L << 20;
    /** SentencePiece's {@code SentencePiece.Type}; the values equal llama.cpp's token types. */
    static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;
    /** {@code TrainerSpec.ModelType}. */
    static final int UNIGRAM = 1, BPE = 2;
    /** The score convert_hf_to_gguf.py gives every added (control and user-defined) token. */
    static final float ADDED_TOKEN_SCORE = -1000f;
    /**
     * Gemma 3's tokens that its {@code tokenizer_config.json} marks {@code special} beyond those SentencePiece itself
     * calls control or unknown. tokenizer.model alone does not say it; the converter makes them CONTROL, so they are
     * split out only when control tokens are parsed.
     */
    private static final java.util.Set<String> GEMMA3_SPECIAL = java.util.Set.of("<start_of_turn>", "<end_of_turn>", "<start_of_image>", "<end_of_image>");

    private final String name;
    private final String[] pieces;
    private final float[] scores;
    private final int[] types;
    private final int modelType;
    private final boolean byteFallback;
    private final int unkId, bosId, eosId, padId;
    private final boolean addDummyPrefix;

    private SentencePieceModel(String name, List<Piece> pieces, Spec spec) {
        this.name = name;
        int n = pieces.size();
        this.pieces = new String[n];
        this.scores = new float[n];
        this.types = new int[n];
        for (int i = 0; i < n; i++) {
            Piece p = pieces.get(i);
            this.pieces[i] = p.text();
            this.scores[i] = p.score();
            this.types[i] = p.type();
        }
        this.modelType = spec.modelType;
        this.byteFallback = spec.byteFallback;
        this.unkId = spec.unkId;
        this.bosId = spec.bosId;
        this.eosId = spec.eosId;
        this.padId = spec.padId;
        this.addDummyPrefix = spec.addDummyPrefix;
    }

    /** The trainer and normalizer fields, with proto2's declared defaults for absent ones. */
    private static final class Spec {
        int modelType = UNIGRAM;
        boolean byteFallback;
        int unkId = 0, bosId = 1, eosId = 2, padId = -1;
        String normalizer = "";
        int charsmapBytes;
        boolean addDummyPrefix = true;
    }

    /**
     * Reads and validates {@code path}.
     *
     * @param path a SentencePiece {@code tokenizer.model}
     * @return the model
     * @throws IOException                  if the file cannot be read
     * @throws SentencePieceFormatException if it is not a well-formed ModelProto, or over the size limit
     */
    public static SentencePieceModel read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > MAX_BYTES)
                throw new SentencePieceFormatException(path.toString(), MAX_BYTES, "file", "is " + size + " bytes; a tokenizer.model is at most " + MAX_BYTES);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) size);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // fill
            }
            if (b.hasRemaining()) throw new IOException(path + ": the file shrank while it was read");
            return parse(path.toString(), b.array());
        }
    }

    /**
     * Parses a serialized ModelProto; {@code name} is used in messages.
     *
     * @param name  name of the model for messages
     * @param bytes the serialized ModelProto
     * @return the model
     * @throws SentencePieceFormatException if the bytes are not a well-formed ModelProto, or over the size limit
     */
    public static SentencePieceModel parse(String name, byte[] bytes) throws SentencePieceFormatException {
        if (bytes.length > MAX_BYTES) throw new SentencePieceFormatException(name, MAX_BYTES, "file", "is larger than " + MAX_BYTES + " bytes");
        ProtoReader r = new ProtoReader(name, bytes, 0, bytes.length);
        List<Piece> pieces = new ArrayList<>();
        Spec spec = new Spec();
        while (r.hasMore()) {
            ProtoReader.Field f = r.next();
            switch (f.number()) {
                case 1 -> {
                    String what = "pieces[" + pieces.size() + "]";
                    r.expect(f, ProtoReader.LEN, what);
                    if (pieces.size() >= Vocabulary.MAX_TOKENS) throw r.fail(f.at(), "more than " + Vocabulary.MAX_TOKENS + " pieces");
                    pieces.add(readPiece(r.message(what), what));
                }
                case 2 -> {
                    r.expect(f, ProtoReader.LEN, "trainer_spec");
                    readTrainer(r.message("trainer_spec"), spec);
                }
                case 3 -> {
                    r.expect(f, ProtoReader.LEN, "normalizer_spec");
                    readNormalizer(r.message("normalizer_spec"), spec);
                }
                default -> r.skip(f, "field " + f.number());
            }
        }
        return validate(name, bytes.length, pieces, spec);
    }

    private static Piece readPiece(ProtoReader m, String where) throws SentencePieceFormatException {
        String piece = null;
        float score = 0;
        int type = NORMAL; // proto2 default
        while (m.hasMore()) {
            ProtoReader.Field f = m.next();
            switch (f.number()) {
                case 1 -> {
                    m.expect(f, ProtoReader.LEN, where + ".piece");
                    piece = m.string(where + ".piece");
                }
                case 2 -> {
                    m.expect(f, ProtoReader.I32, where + ".score");
                    score = m.float32(where + ".score");
                    if (!Float.isFinite(score)) throw m.fail(f.at(), "score " + score + " is not finite");
                }
                case 3 -> {
                    m.expect(f, ProtoReader.VARINT, where + ".type");
                    type = m.int32(where + ".type");
                    if (type < NORMAL || type > BYTE) throw m.fail(f.at(), "type " + type + " is not one of 1..6 (NORMAL..BYTE)");
                }
                default -> m.skip(f, where + ".field " + f.number());
            }
        }
        if (piece == null) throw m.fail(m.offset(), "no piece text (field 1)");
        return new Piece(piece, score, type);
    }

    /** The trainer fields egemma needs, all varints. */
    private static void readTrainer(ProtoReader m, Spec s) throws SentencePieceFormatException {
        while (m.hasMore()) {
            ProtoReader.Field f = m.next();
            String what = switch (f.number()) {
                case 3 -> "trainer_spec.model_type";
                case 35 -> "trainer_spec.byte_fallback";
                case 40 -> "trainer_spec.unk_id";
                case 41 -> "trainer_spec.bos_id";
                case 42 -> "trainer_spec.eos_id";
                case 43 -> "trainer_spec.pad_id";
                default -> null;
            };
            if (what == null) {
                m.skip(f, "trainer_spec.field " + f.number());
                continue;
            }
            m.expect(f, ProtoReader.VARINT, what);
            switch (f.number()) {
                case 3 -> s.modelType = m.int32(what);
                case 35 -> s.byteFallback = m.bool(what);
                case 40 -> s.unkId = m.int32(what);
                case 41 -> s.bosId = m.int32(what);
                case 42 -> s.eosId = m.int32(what);
                default -> s.padId = m.int32(what);
            }
        }
    }

    private static void readNormalizer(ProtoReader m, Spec s) throws SentencePieceFormatException {
        while (m.hasMore()) {
            ProtoReader.Field f = m.next();
            switch (f.number()) {
                case 1 -> {
                    m.expect(f, ProtoReader.LEN, "normalizer_spec.name");
                    s.normalizer = m.string("normalizer_spec.name");
                }
                case 2 -> {
                    m.expect(f, ProtoReader.LEN, "normalizer_spec.precompiled_charsmap");
                    s.charsmapBytes = m.bytesLength("normalizer_spec.precompiled_charsmap");
                }
                case 3 -> {
                    m.expect(f, ProtoReader.VARINT, "normalizer_spec.add_dummy_prefix");
                    s.addDummyPrefix = m.bool("normalizer_spec.add_dummy_prefix");
                }
                default -> m.skip(f, "normalizer_spec.field " + f.number());
            }
        }
    }

    /** Whole-model checks: what egemma's tokenizer can run, and ids that name pieces. */
    private static SentencePieceModel validate(String name, long end, List<Piece> pieces, Spec s)
            throws SentencePieceFormatException {
        if (pieces.isEmpty()) throw new SentencePieceFormatException(name, end, "pieces", "none: not a SentencePiece model");
        if (s.modelType != BPE)
            throw new SentencePieceFormatException(name, end, "trainer_spec.model_type", s.modelType + (s.modelType == UNIGRAM ? " (UNIGRAM)" : "")
                    + ": egemma's tokenizer merges pieces by score, which is SentencePiece's BPE (2), the model type of Gemma's tokenizer");
        // A normalizer that rewrites text (nmt_nfkc and the like) would need its charsmap applied before merging; egemma's does not.
        if (s.charsmapBytes > 0 && !s.normalizer.equals("identity"))
            throw new SentencePieceFormatException(name, end, "normalizer_spec", "\"" + s.normalizer
                    + "\" normalizes text with a character map; egemma's tokenizer (llama.cpp's) does not: only the identity normalizer is supported");
        int n = pieces.size();
        checkId(name, end, "trainer_spec.unk_id", s.unkId, n, true);
        checkId(name, end, "trainer_spec.bos_id", s.bosId, n, false);
        checkId(name, end, "trainer_spec.eos_id", s.eosId, n, false);
        checkId(name, end, "trainer_spec.pad_id", s.padId, n, false);
        if (s.byteFallback) {
            int bytePieces = 0;
            for (Piece p : pieces) if (p.type() == BYTE) bytePieces++;
            if (bytePieces != 256)
                throw new SentencePieceFormatException(name, end, "pieces", "trainer_spec.byte_fallback is set but there are " + bytePieces + " BYTE pieces, not 256");
        }
        return new SentencePieceModel(name, pieces, s);
    }

    /** An id must name a piece; -1 means "none" for all but the unknown id (SentencePiece requires one). */
    private static void checkId(String name, long end, String field, int id, int n, boolean required) throws SentencePieceFormatException {
        if (id >= 0 && id < n) return;
        if (id == -1 && !required) return;
        throw new SentencePieceFormatException(name, end, field, id + " is not a piece id (the model has " + n + " pieces)");
    }

    /**
     * Number of pieces.
     *
     * @return the vocabulary size
     */
    public int size() {
        return pieces.length;
    }

    /**
     * The text of piece {@code id}, as stored (U+2581 for a space).
     *
     * @param id a piece id, 0 to {@code size() - 1}
     * @return the piece's text
     * @throws IndexOutOfBoundsException if {@code id} is out of range
     */
    public String piece(int id) {
        return pieces[id];
    }

    /**
     * The score of piece {@code id} (a log probability for unigram models).
     *
     * @param id a piece id, 0 to {@code size() - 1}
     * @return the score
     * @throws IndexOutOfBoundsException if {@code id} is out of range
     */
    public float score(int id) {
        return scores[id];
    }

    /**
     * SentencePiece's type of piece {@code id} (1 NORMAL .. 6 BYTE).
     *
     * @param id a piece id, 0 to {@code size() - 1}
     * @return the type number, as {@link TokenType#ordinal()} counts them
     * @throws IndexOutOfBoundsException if {@code id} is out of range
     */
    public int type(int id) {
        return types[id];
    }

    /**
     * The {@code tokenizer.*} keys llama.cpp's converter writes for this model, Gemma 3's rules: control and unknown
     * pieces become CONTROL; user-defined pieces become CONTROL when Gemma's config marks them special (the names in
     * {@link #GEMMA3_SPECIAL}, or the converter's "looks special": {@code <pad> <mask> <cls> <sep>}, {@code <|…|>},
     * {@code <unused…>}), else USER_DEFINED with U+2581 written as a space; every such added token scores -1000;
     * normal, byte and unused pieces keep their type and score. BOS and EOS are added (EmbeddingGemma's GGUF adds
     * both; a static table drops them again), and the space prefix follows {@code add_dummy_prefix}.
     *
     * @return a new map from key to value, in the converter's order
     */
    public Map<String, GgufValue> tokenizerKeys() {
        int n = pieces.length;
        String[] texts = new String[n];
        float[] s = new float[n];
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            texts[i] = pieces[i];
            s[i] = scores[i];
            t[i] = types[i];
            switch (types[i]) {
                case CONTROL, UNKNOWN -> {
                    t[i] = CONTROL;
                    s[i] = ADDED_TOKEN_SCORE;
                }
                case USER_DEFINED -> {
                    if (looksSpecial(pieces[i])) {
                        t[i] = CONTROL;
                    } else {
                        texts[i] = pieces[i].replace('\u2581', ' '); // the converter's pre-normalized user-defined spaces
                    }
                    s[i] = ADDED_TOKEN_SCORE;
                }
                default -> { } // NORMAL, BYTE, UNUSED as they are
            }
        }
        Map<String, GgufValue> k = new LinkedHashMap<>();
        k.put("tokenizer.ggml.model", GgufValue.of(GgufValueType.STRING, "llama"));
        k.put("tokenizer.ggml.tokens", GgufValue.array(GgufValueType.STRING, texts));
        k.put("tokenizer.ggml.scores", GgufValue.array(GgufValueType.FLOAT32, s));
        k.put("tokenizer.ggml.token_type", GgufValue.array(GgufValueType.INT32, t));
        if (bosId >= 0) k.put("tokenizer.ggml.bos_token_id", GgufValue.of(GgufValueType.UINT32, (long) bosId));
        if (eosId >= 0) k.put("tokenizer.ggml.eos_token_id", GgufValue.of(GgufValueType.UINT32, (long) eosId));
        k.put("tokenizer.ggml.unknown_token_id", GgufValue.of(GgufValueType.UINT32, (long) unkId));
        if (padId >= 0) k.put("tokenizer.ggml.padding_token_id", GgufValue.of(GgufValueType.UINT32, (long) padId));
        k.put("tokenizer.ggml.add_bos_token", GgufValue.of(GgufValueType.BOOL, bosId >= 0));
        k.put("tokenizer.ggml.add_eos_token", GgufValue.of(GgufValueType.BOOL, eosId >= 0));
        k.put("tokenizer.ggml.add_space_prefix", GgufValue.of(GgufValueType.BOOL, addDummyPrefix));
        return k;
    }

    /** convert_hf_to_gguf.py's {@code does_token_look_special}, plus Gemma 3's special markers. */
    private static boolean looksSpecial(String p) {
        return p.equals("<pad>") || p.equals("<mask>") || p.equals("<cls>") || p.equals("<sep>")
                || p.startsWith("<|") && p.endsWith("|>") || p.startsWith("<unused") && p.endsWith(">") || GEMMA3_SPECIAL.contains(p);
    }

    /**
     * The tokenizer, built from {@link #tokenizerKeys()} by the GGUF path (the same code, so the same ids).
     *
     * @return a new tokenizer
     */
    public Tokenizer tokenizer() {
        return TokenizerFiles.fromKeys(name, tokenizerKeys());
    }

    /**
     * The model's name as messages show it.
     *
     * @return the path read, or the name given to {@link #parse}
     */
    public String name() {
        return name;
    }

    /** One {@code SentencePiece} message: text, score, type. */
    private record Piece(String text, float score, int type) {}
}
