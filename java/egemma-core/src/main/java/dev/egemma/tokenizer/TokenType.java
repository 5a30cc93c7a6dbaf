package dev.egemma.tokenizer;

/**
 * Token types as stored in {@code tokenizer.ggml.token_type} (llama.cpp's {@code llama_token_type}).
 * Any value outside 1..6 is {@link #UNDEFINED}, as llama.cpp does.
 */
public enum TokenType {
    UNDEFINED,
    NORMAL,
    UNKNOWN,
    CONTROL,
    USER_DEFINED,
    UNUSED,
    BYTE;

    private static final TokenType[] BY_ID = values();

    /** The type for a raw GGUF value; unknown values map to {@link #UNDEFINED}. */
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
