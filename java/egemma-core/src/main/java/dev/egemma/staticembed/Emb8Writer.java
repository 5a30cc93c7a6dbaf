// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import dev.egemma.gguf.GgufValue;
import dev.egemma.gguf.GgufWriter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Writes EMB8 files (layouts in {@link Emb8Layout}): version 2, egemma's, with the components and the tokenizer keys;
 * version 1, the original prep tool's, with neither. Rows are quantized to int8 with one scale each. Every file is
 * written to a temporary sibling and renamed over {@code out}, so a reader never sees half a file.
 */
public final class Emb8Writer {
    private Emb8Writer() {}

    /** The sections of a file, written in order to a stream. */
    private interface Body {
        void write(OutputStream os) throws IOException;
    }

    /**
     * Writes {@code d} to {@code out} as version 2.
     *
     * @param out           the file, replaced if it exists
     * @param d             the float table
     * @param tokenizerKeys the {@code tokenizer.*} metadata of the teacher GGUF; its token count must equal the rows
     * @throws IOException              if the file cannot be written
     * @throws IllegalArgumentException if a key does not start with {@code tokenizer.}
     */
    public static void write(Path out, Distilled d, Map<String, GgufValue> tokenizerKeys) throws IOException {
        GgufWriter g = new GgufWriter();
        tokenizerKeys.forEach((k, v) -> {
            if (!k.startsWith("tokenizer.")) throw new IllegalArgumentException("not a tokenizer key: " + k);
            g.put(k, v);
        });
        byte[] tokenizer = g.toByteArray();
        atomically(out, os -> {
            tables(os, new Emb8Layout(Emb8Format.V2, d.vocabSize(), d.embedDim(), d.originalDim()), d);
            os.write(tokenizer);
        });
    }

    /**
     * Writes {@code d} to {@code out} as version 1, the original prep tool's layout: no components, no tokenizer.
     *
     * @param out the file, replaced if it exists
     * @param d   the float table (its components are not written)
     * @throws IOException if the file cannot be written
     */
    public static void writeV1(Path out, Distilled d) throws IOException {
        atomically(out, os -> tables(os, new Emb8Layout(Emb8Format.V1_ORIGINAL, d.vocabSize(), d.embedDim(), d.originalDim()), d));
    }

    /**
     * Rewrites a file of an earlier egemma build ({@link Emb8Format#V1_EGEMMA_LEGACY}) as version 2: the layouts are the
     * same, so only the version field changes. The input is validated first; any other format is refused.
     *
     * @param in  the legacy file
     * @param out the version 2 file to write, replaced if it exists (may be {@code in})
     * @throws IOException              if a file cannot be read or written, or {@code in} is malformed
     * @throws IllegalArgumentException if {@code in} is not a legacy file (the message says what it is)
     */
    public static void upgradeLegacy(Path in, Path out) throws IOException {
        Emb8Format format = Emb8File.format(in);
        if (format != Emb8Format.V1_EGEMMA_LEGACY)
            throw new IllegalArgumentException(in + ": " + (format == Emb8Format.V2 ? "already version 2; nothing to upgrade"
                    : "the original prep tool's version 1 layout, not an earlier egemma build's: it is read as it is (with its tokenizer given beside it)"));
        Emb8File.open(in).close(); // every section validated before anything is written
        atomically(out, os -> {
            try (InputStream is = Files.newInputStream(in)) {
                byte[] head = is.readNBytes(Emb8Layout.HEADER_BYTES);
                le(head).putInt(Emb8Layout.VERSION_OFFSET, Emb8Format.V2.version);
                os.write(head);
                is.transferTo(os);
            }
        });
    }

    /** Header, mean, components (version 2), scales and quantized rows. */
    private static void tables(OutputStream os, Emb8Layout l, Distilled d) throws IOException {
        ByteBuffer h = le(new byte[Emb8Layout.HEADER_BYTES]);
        h.putInt(Emb8Layout.MAGIC).putInt(l.format().version).putInt(l.vocabSize()).putInt(l.embedDim()).putInt(l.originalDim());
        os.write(h.array()); // the reserved 12 bytes stay zero
        writeFloats(os, d.mean());
        if (l.hasComponents()) for (float[] c : d.components()) writeFloats(os, c);
        float[] scales = new float[l.vocabSize()];
        byte[] q = new byte[Math.multiplyExact(l.vocabSize(), l.embedDim())];
        for (int t = 0; t < l.vocabSize(); t++) scales[t] = Int8Quantizer.quantize(d.rows()[t], q, t * l.embedDim());
        writeFloats(os, scales);
        os.write(q);
    }

    private static void atomically(Path out, Body body) throws IOException {
        Path dir = out.toAbsolutePath().getParent();
        // not createTempFile: its 0600 mode would stick to the output
        Path tmp = dir.resolve("." + out.getFileName() + "." + ProcessHandle.current().pid() + "." + System.nanoTime() + ".tmp");
        try {
            try (OutputStream os = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                body.write(os);
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void writeFloats(OutputStream os, float[] v) throws IOException {
        ByteBuffer b = le(new byte[4 * v.length]);
        for (float x : v) b.putFloat(x);
        os.write(b.array());
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }
}
