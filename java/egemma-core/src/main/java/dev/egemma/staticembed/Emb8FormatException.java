package dev.egemma.staticembed;

import java.io.IOException;

/** An EMB8 file that breaks the format. The message names the file, the byte offset and the field. */
public final class Emb8FormatException extends IOException {
    private final long offset;

    public Emb8FormatException(String file, long offset, String field, String problem) {
        super(file + ": at byte " + offset + ", " + field + ": " + problem);
        this.offset = offset;
    }

    Emb8FormatException(String file, long offset, String field, String problem, Throwable cause) {
        super(file + ": at byte " + offset + ", " + field + ": " + problem, cause);
        this.offset = offset;
    }

    /** Byte offset in the file where the problem was found. */
    public long offset() {
        return offset;
    }
}
