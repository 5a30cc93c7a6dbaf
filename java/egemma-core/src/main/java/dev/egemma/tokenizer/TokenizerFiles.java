// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufFormatException;
import dev.egemma.gguf.GgufValue;
import dev.egemma.gguf.GgufWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * A tokenizer from a file given on its own (for a static table that holds none): a GGUF (a model or a vocabulary:
 * only its {@code tokenizer.*} keys are read) or SentencePiece's {@code tokenizer.model}, told apart by the GGUF magic.
 */
public final class TokenizerFiles {
    private TokenizerFiles() {}

    /**
     * The tokenizer of {@code path} (see the class documentation).
     *
     * @param path a GGUF or a SentencePiece {@code tokenizer.model}
     * @return the tokenizer (it keeps no file open)
     * @throws IOException if the file cannot be read (a directory included) or is malformed
     */
    public static Tokenizer open(Path path) throws IOException {
        if (Files.isDirectory(path)) throw new FileSystemException(path.toString(), null, "is a directory, not a GGUF or tokenizer.model file");
        if (startsWithGgufMagic(path)) {
            try (GgufFile g = GgufFile.open(path)) {
                return Tokenizer.fromGguf(g); // the tokenizer copies what it keeps: the mapping can go
            }
        }
        return SentencePieceModel.read(path).tokenizer();
    }

    private static boolean startsWithGgufMagic(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining() && ch.read(b) > 0) {
                // fill
            }
            return !b.hasRemaining() && b.getInt(0) == GgufFile.MAGIC;
        }
    }

    /**
     * The tokenizer {@link Tokenizer#fromGguf} builds from {@code keys}, written to a GGUF image in memory and parsed
     * back, so a tokenizer described by keys (as a converter would write them) goes through the one validated path.
     */
    static Tokenizer fromKeys(String name, Map<String, GgufValue> keys) {
        GgufWriter w = new GgufWriter();
        keys.forEach(w::put);
        try {
            return Tokenizer.fromGguf(GgufFile.parse(name, MemorySegment.ofArray(w.toByteArray())));
        } catch (GgufFormatException e) {
            throw new IllegalStateException("the tokenizer keys of " + name + " did not read back: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: cannot happen
        }
    }
}
