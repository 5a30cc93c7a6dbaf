// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

/**
 * Token types as stored in {@code tokenizer.ggml.token_type} (llama.cpp's {@code llama_token_type}).
 * Any value outside 1..6 is {@link #UNDEFINED}, as llama.cpp does.
 */
public enum TokenType {
    /** 0, or any value outside 1..6: no type given. */
    UNDEFINED,
    /** 1: an ordinary piece of text (U+2581 for a space). */
    NORMAL,
    /** 2: the unknown token ({@code <unk>}), for text no other token covers. */
    UNKNOWN,
    /** 3: a control token such as BOS, EOS or padding; decoded to nothing unless asked for. */
    CONTROL,
    /** 4: a piece always split out of the text as one token (e.g. a chat-template marker). */
    USER_DEFINED,
    /** 5: a reserved slot, never produced by encoding. */
    UNUSED,
    /** 6: one raw byte, {@code <0xNN>}, for byte fallback. */
    BYTE;

    private static final TokenType[] BY_ID = values();

    /**
     * The type for a raw GGUF value; unknown values map to {@link #UNDEFINED}.
     *
     * @param gguf a value of {@code tokenizer.ggml.token_type}
     * @return the type
     */
    public static TokenType of(int gguf) {
        return gguf >= 0 && gguf < BY_ID.length ? BY_ID[gguf] : UNDEFINED;
    }

    /** Tokens the special-token partition splits out of the text (llama.cpp's {@code cache_special_tokens}). */
    boolean isPartitionCandidate() {
        return this == CONTROL || this == USER_DEFINED || this == UNKNOWN;
    }

    /** Candidates that are split out only when {@code parseSpecial} is on (USER_DEFINED ones always are). */
    boolean needsParseSpecial() {
        return this == CONTROL || this == UNKNOWN;
    }
}
