// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import java.io.IOException;

/** A SentencePiece {@code tokenizer.model} that is not a well-formed ModelProto. The message names the file, the byte and the field. */
public final class SentencePieceFormatException extends IOException {
    /** Byte offset of the problem in the file. */
    private final long offset;

    /**
     * A problem at one place of a file.
     *
     * @param file    the file's name or path, as messages show it
     * @param offset  byte offset of the field in the file
     * @param field   the protobuf field, as a path of names
     * @param problem what is wrong with it
     */
    public SentencePieceFormatException(String file, long offset, String field, String problem) {
        super(file + ": at byte " + offset + ", " + field + ": " + problem);
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
