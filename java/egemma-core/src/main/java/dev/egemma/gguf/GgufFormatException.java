package dev.egemma.gguf;

import java.io.IOException;

/** A GGUF file that breaks the format. The message names the file, the byte offset and the field. */
public final class GgufFormatException extends IOException {
    private final long offset;

    public GgufFormatException(String file, long offset, String field, String problem) {
        super(file + ": at byte " + offset + ", " + field + ": " + problem);
        this.offset = offset;
    }

    public GgufFormatException(String message) {
        super(message);
        this.offset = -1;
    }

    /** Byte offset in the file where the problem was found, or -1 when it is not tied to one place. */
    public long offset() {
        return offset;
    }
}
