package dev.egemma.staticembed;

import dev.egemma.gguf.GgufValue;
import dev.egemma.gguf.GgufWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/** Writes an EMB8 v1 file (layout in {@link Emb8Layout}): quantizes the rows, appends the tokenizer keys. */
public final class Emb8Writer {
    private Emb8Writer() {}

    /**
     * Writes {@code d} to {@code out} (atomically: a temporary sibling is renamed over it).
     *
     * @param tokenizerKeys the {@code tokenizer.*} metadata of the teacher GGUF; its token count must equal the rows
     */
    public static void write(Path out, Distilled d, Map<String, GgufValue> tokenizerKeys) throws IOException {
        Emb8Layout l = new Emb8Layout(d.vocabSize(), d.embedDim(), d.originalDim());
        Path dir = out.toAbsolutePath().getParent();
        String unique = "." + out.getFileName() + "." + ProcessHandle.current().pid() + "." + System.nanoTime();
        Path tokGguf = dir.resolve(unique + ".tokenizer.gguf"); // not createTempFile: its 0600 mode would stick to the output
        Path tmp = dir.resolve(unique + ".tmp");
        try {
            GgufWriter g = new GgufWriter();
            tokenizerKeys.forEach((k, v) -> {
                if (!k.startsWith("tokenizer.")) throw new IllegalArgumentException("not a tokenizer key: " + k);
                g.put(k, v);
            });
            g.write(tokGguf);
            try (OutputStream os = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                ByteBuffer h = le(Emb8Layout.HEADER_BYTES);
                h.putInt(Emb8Layout.MAGIC).putInt(Emb8Layout.VERSION).putInt(l.vocabSize()).putInt(l.embedDim()).putInt(l.originalDim());
                os.write(h.array()); // the reserved 12 bytes stay zero
                writeFloats(os, d.mean());
                for (float[] c : d.components()) writeFloats(os, c);
                float[] scales = new float[l.vocabSize()];
                byte[] q = new byte[Math.multiplyExact(l.vocabSize(), l.embedDim())];
                for (int t = 0; t < l.vocabSize(); t++) scales[t] = Int8Quantizer.quantize(d.rows()[t], q, t * l.embedDim());
                writeFloats(os, scales);
                os.write(q);
                Files.copy(tokGguf, os);
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tokGguf);
            Files.deleteIfExists(tmp);
        }
    }

    private static void writeFloats(OutputStream os, float[] v) throws IOException {
        ByteBuffer b = le(4 * v.length);
        for (float x : v) b.putFloat(x);
        os.write(b.array());
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }
}
