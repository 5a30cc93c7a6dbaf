package dev.egemma.tokenizer;

import java.io.IOException;

/** A SentencePiece {@code tokenizer.model} that is not a well-formed ModelProto. The message names the file, the byte and the field. */
public final class SentencePieceFormatException extends IOException {
    private final long offset;

    public SentencePieceFormatException(String file, long offset, String field, String problem) {
        super(file + ": at byte " + offset + ", " + field + ": " + problem);
        this.offset = offset;
    }

    /** Byte offset in the file where the problem was found. */
    public long offset() {
        return offset;
    }
}
