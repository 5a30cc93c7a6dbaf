// SPDX-License-Identifier: Apache-2.0
package dev.egemma.testing;

import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufStringArray;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a SentencePiece {@code tokenizer.model} (ModelProto, protobuf wire format) for tests. No real Gemma
 * tokenizer.model ships in a package on a reachable registry, so {@link #fromGemmaGguf} undoes what llama.cpp's
 * converter did to Gemma 3's: the added tokens back to SentencePiece's own types (ids 0-2 CONTROL, {@code <unk>}
 * UNKNOWN, every other added token USER_DEFINED with its spaces as U+2581) and scores (0 for added tokens), the
 * trainer spec Gemma's has (BPE, byte fallback, pad 0, eos 1, bos 2, unk 3) and its identity normalizer with no
 * dummy prefix.
 */
public final class SentencePieceModelWriter {
    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Appends one piece (ModelProto field 1). */
    public SentencePieceModelWriter piece(String text, float score, int type) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        bytesField(p, 1, text.getBytes(StandardCharsets.UTF_8));
        tag(p, 2, 5);
        int bits = Float.floatToRawIntBits(score);
        for (int k = 0; k < 4; k++) p.write(bits >>> (8 * k));
        varintField(p, 3, type);
        bytesField(out, 1, p.toByteArray());
        return this;
    }

    /** Appends the trainer spec (field 2): model type, byte fallback, unk/bos/eos/pad ids. */
    public SentencePieceModelWriter trainer(int modelType, boolean byteFallback, int unk, int bos, int eos, int pad) {
        ByteArrayOutputStream t = new ByteArrayOutputStream();
        varintField(t, 3, modelType);
        varintField(t, 4, 262144); // vocab_size: a field the reader skips
        varintField(t, 35, byteFallback ? 1 : 0);
        varintField(t, 40, unk);
        varintField(t, 41, bos);
        varintField(t, 42, eos);
        varintField(t, 43, pad); // -1 is 10 bytes on the wire, as protobuf writes a negative int32
        bytesField(out, 2, t.toByteArray());
        return this;
    }

    /** Appends the normalizer spec (field 3). */
    public SentencePieceModelWriter normalizer(String name, boolean addDummyPrefix) {
        ByteArrayOutputStream n = new ByteArrayOutputStream();
        bytesField(n, 1, name.getBytes(StandardCharsets.UTF_8));
        varintField(n, 3, addDummyPrefix ? 1 : 0);
        varintField(n, 4, 0); // remove_extra_whitespaces
        varintField(n, 5, 1); // escape_whitespaces
        bytesField(out, 3, n.toByteArray());
        return this;
    }

    public byte[] bytes() {
        return out.toByteArray();
    }

    /** Gemma 3's tokenizer.model as it was before llama.cpp's converter made {@code vocab} of it (see the class comment). */
    public static byte[] fromGemmaGguf(GgufFile vocab) {
        GgufStringArray tokens = vocab.stringArray("tokenizer.ggml.tokens");
        float[] scores = vocab.getFloatArray("tokenizer.ggml.scores");
        int[] types = vocab.getIntArray("tokenizer.ggml.token_type");
        SentencePieceModelWriter w = new SentencePieceModelWriter();
        for (int i = 0; i < tokens.size(); i++) {
            String text = tokens.get(i);
            switch (types[i]) {
                case CONTROL -> w.piece(text, 0, i <= 2 ? CONTROL : text.equals("<unk>") ? UNKNOWN : USER_DEFINED);
                case USER_DEFINED -> w.piece(text.replace(' ', '\u2581'), 0, USER_DEFINED);
                default -> w.piece(text, scores[i], types[i]);
            }
        }
        return w.trainer(2, true, 3, 2, 1, 0).normalizer("identity", false).bytes();
    }

    private static void tag(ByteArrayOutputStream o, int field, int wireType) {
        varint(o, (long) field << 3 | wireType);
    }

    private static void varintField(ByteArrayOutputStream o, int field, long v) {
        tag(o, field, 0);
        varint(o, v);
    }

    private static void bytesField(ByteArrayOutputStream o, int field, byte[] b) {
        tag(o, field, 2);
        varint(o, b.length);
        o.writeBytes(b);
    }

    private static void varint(ByteArrayOutputStream o, long v) {
        while ((v & ~0x7FL) != 0) {
            o.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        o.write((int) v);
    }
}
