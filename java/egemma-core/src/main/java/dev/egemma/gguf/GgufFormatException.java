// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

import java.io.IOException;

/** A GGUF file that breaks the format. The message names the file, the byte offset and the field. */
public final class GgufFormatException extends IOException {
    /** Byte offset of the problem in the file, or -1. */
    private final long offset;

    /**
     * A problem at one place of a file.
     *
     * @param file    the file's name or path, as messages show it
     * @param offset  byte offset of the field in the file
     * @param field   the field, e.g. {@code tensor_count}
     * @param problem what is wrong with it
     */
    public GgufFormatException(String file, long offset, String field, String problem) {
        super(file + ": at byte " + offset + ", " + field + ": " + problem);
        this.offset = offset;
    }

    /**
     * A problem not tied to one place (offset -1).
     *
     * @param message the whole message, naming the file
     */
    public GgufFormatException(String message) {
        super(message);
        this.offset = -1;
    }

    /**
     * Byte offset in the file where the problem was found, or -1 when it is not tied to one place.
     *
     * @return the offset in bytes, or -1
     */
    public long offset() {
        return offset;
    }
}
