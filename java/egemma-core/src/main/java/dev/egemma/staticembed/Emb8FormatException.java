// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import java.io.IOException;

/** An EMB8 file that breaks the format. The message names the file, the byte offset and the field. */
public final class Emb8FormatException extends IOException {
    /** Byte offset of the problem in the file. */
    private final long offset;

    /**
     * A problem at one place of a file.
     *
     * @param file    the file's name or path, as messages show it
     * @param offset  byte offset of the field in the file
     * @param field   the field, e.g. {@code vocab_size}
     * @param problem what is wrong with it
     */
    public Emb8FormatException(String file, long offset, String field, String problem) {
        super(file + ": at byte " + offset + ", " + field + ": " + problem);
        this.offset = offset;
    }

    Emb8FormatException(String file, long offset, String field, String problem, Throwable cause) {
        super(file + ": at byte " + offset + ", " + field + ": " + problem, cause);
        this.offset = offset;
    }

    /**
     * Byte offset in the file where the problem was found.
     *
     * @return the offset in bytes
     */
    public long offset() {
        return offset;
    }
}
