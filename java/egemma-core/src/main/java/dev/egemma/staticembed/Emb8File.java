// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufFormatException;
import dev.egemma.tokenizer.Tokenizer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A validated EMB8 file of any version (layouts in {@link Emb8Layout}), mapped read-only. Every size in the header is
 * checked against the file length before anything is read; every malformed input is an
 * {@link Emb8FormatException} naming the file, the byte offset and the field. The scales, mean and
 * components are range-checked (scales 0..2^64, mean within ±2^64, component entries within ±1.001), so a valid
 * file cannot produce NaN or infinite embeddings. A version 1 file (the original prep tool's layout) holds no
 * tokenizer: it is opened with one given beside it ({@link #open(Path, Tokenizer)}).
 */
public final class Emb8File implements AutoCloseable {
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Largest embed/original dimension accepted: keeps every size product far from overflow. */
    static final int MAX_DIM = 1 << 20;
    /** Largest vocabulary accepted (the largest Java array). */
    static final long MAX_VOCAB = Integer.MAX_VALUE - 8;
    /**
     * Largest scale or mean value accepted (2^64; real ones are below 1e3): 127 x 2^64 summed over 2^31 tokens
     * still fits a float, so no valid file can make an embedding overflow to infinity.
     */
    static final float MAX_MAGNITUDE = 0x1p64f;

    private final String name;
    private final Arena arena; // null when the caller owns the memory
    private final Emb8Layout layout;
    private final MemorySegment image;
    private final Tokenizer tokenizer;
    private final GgufFile tokenizerGguf; // null in version 1

    private Emb8File(String name, Arena arena, Emb8Layout layout, MemorySegment image, GgufFile tokGguf, Tokenizer tokenizer) {
        this.name = name;
        this.arena = arena;
        this.layout = layout;
        this.image = image;
        this.tokenizerGguf = tokGguf;
        this.tokenizer = tokenizer;
    }

    /**
     * Maps and validates {@code path}, with the tokenizer it holds (a version 1 file, which holds none, is refused).
     *
     * @param path the EMB8 file
     * @return the open file; close it when done
     * @throws IOException          if the file cannot be read
     * @throws Emb8FormatException if it is malformed or a version 1 file
     */
    public static Emb8File open(Path path) throws IOException {
        return open(path, null);
    }

    /**
     * Maps and validates {@code path}; {@code tokenizer}, if not null, is used instead of the one the file holds and
     * must have {@code vocab_size} tokens (a version 1 file needs it: see {@code TokenizerFiles.open}).
     *
     * @param path      the EMB8 file
     * @param tokenizer the teacher's tokenizer; null to use the file's own
     * @return the open file; close it when done
     * @throws IOException          if the file cannot be read
     * @throws Emb8FormatException if it is malformed, holds no tokenizer and none is given, or the vocabulary sizes differ
     */
    public static Emb8File open(Path path, Tokenizer tokenizer) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return parse(path.toString(), arena, map(ch, arena), tokenizer);
        } catch (Throwable t) {
            arena.close();
            throw t;
        }
    }

    /**
     * Validates an EMB8 image the caller keeps alive (heap or mapped); {@code name} is used in messages.
     *
     * @param name  name of the image for messages
     * @param image the whole file, kept alive by the caller while this object is used
     * @return the validated file
     * @throws Emb8FormatException if it is malformed or a version 1 file
     */
    public static Emb8File parse(String name, MemorySegment image) throws Emb8FormatException {
        return parse(name, null, image, null);
    }

    /**
     * As {@link #parse(String, MemorySegment)}, with a tokenizer given beside the file (see {@link #open(Path, Tokenizer)}).
     *
     * @param name      name of the image for messages
     * @param image     the whole file, kept alive by the caller while this object is used
     * @param tokenizer the teacher's tokenizer; null to use the file's own
     * @return the validated file
     * @throws Emb8FormatException if it is malformed, holds no tokenizer and none is given, or the vocabulary sizes differ
     */
    public static Emb8File parse(String name, MemorySegment image, Tokenizer tokenizer) throws Emb8FormatException {
        return parse(name, null, image, tokenizer);
    }

    /**
     * True if the file starts with the EMB8 magic (for commands that take either a GGUF or an EMB8 file).
     *
     * @param path any file
     * @return false for a directory or a file shorter than 4 bytes
     * @throws IOException if the file cannot be read
     */
    public static boolean looksLikeEmb8(Path path) throws IOException {
        if (java.nio.file.Files.isDirectory(path)) return false; // the model's own open says "is a directory"
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining() && ch.read(b) > 0) {
                // fill
            }
            return !b.hasRemaining() && b.getInt(0) == Emb8Layout.MAGIC;
        }
    }

    /**
     * The layout of {@code path}, from its header and length (the sections are not validated: {@link #open} does that).
     *
     * @param path an EMB8 file
     * @return its format
     * @throws IOException if the file cannot be read or its header is malformed
     */
    public static Emb8Format format(Path path) throws IOException {
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return layout(path.toString(), map(ch, arena)).format();
        }
    }

    /** The whole file, read-only (an empty file cannot be mapped: it is an empty heap segment). */
    private static MemorySegment map(FileChannel ch, Arena arena) throws IOException {
        long size = ch.size();
        return size == 0 ? MemorySegment.ofArray(new byte[0]) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
    }

    private static Emb8File parse(String name, Arena arena, MemorySegment seg, Tokenizer given) throws Emb8FormatException {
        Emb8Layout l = layout(name, seg);
        long size = seg.byteSize();
        checkRange(name, seg, l.meanOffset(), l.originalDim(), "mean", -MAX_MAGNITUDE, MAX_MAGNITUDE);
        // components are unit vectors: no entry beyond 1 (with room for rounding)
        if (l.hasComponents()) checkRange(name, seg, l.componentsOffset(), (long) l.embedDim() * l.originalDim(), "components", -1.001f, 1.001f);
        checkRange(name, seg, l.scalesOffset(), l.vocabSize(), "scales", 0, MAX_MAGNITUDE);

        GgufFile g = null;
        Tokenizer tok = given;
        long tokOff = l.tablesEnd();
        if (l.format().egemmaLayout) {
            String tokName = name.concat(" (tokenizer section at byte ").concat(Long.toString(tokOff)).concat(")"); // no + here: see GgufFile.parse
            try {
                g = GgufFile.parse(tokName, seg.asSlice(tokOff));
            } catch (GgufFormatException e) {
                throw new Emb8FormatException(name, tokOff, "tokenizer", "not a valid GGUF image: " + e.getMessage(), e);
            }
            if (!g.tensors().isEmpty())
                throw new Emb8FormatException(name, tokOff, "tokenizer", "the GGUF image holds " + g.tensors().size() + " tensors; it must hold only tokenizer keys");
            if (given == null) {
                try {
                    tok = Tokenizer.fromGguf(g);
                } catch (IllegalArgumentException e) {
                    throw new Emb8FormatException(name, tokOff, "tokenizer", e.getMessage(), e);
                }
            }
        } else if (given == null) {
            throw new Emb8FormatException(name, size, "tokenizer", "none: a version 1 file (the original prep tool's layout) holds no tokenizer;"
                    + " give the model's tokenizer beside it (a GGUF or SentencePiece's tokenizer.model)");
        }
        if (tok.vocabSize() != l.vocabSize())
            throw new Emb8FormatException(name, given != null ? 8 : tokOff, given != null ? "vocab_size" : "tokenizer",
                    (given != null ? "the given tokenizer has " : "has ") + tok.vocabSize() + " tokens but vocab_size is " + l.vocabSize());
        return new Emb8File(name, arena, l, seg, g, tok);
    }

    /** The header, checked, and the layout it and the file length give (see {@link Emb8Layout}). */
    private static Emb8Layout layout(String name, MemorySegment seg) throws Emb8FormatException {
        long size = seg.byteSize();
        if (size >= 4 && seg.get(U32, 0) != Emb8Layout.MAGIC)
            throw new Emb8FormatException(name, 0, "magic", String.format("expected \"EMB8\" (0x%08x), found 0x%08x", Emb8Layout.MAGIC, seg.get(U32, 0)));
        int version = size >= 8 ? seg.get(U32, Emb8Layout.VERSION_OFFSET) : 0;
        if (size >= 8 && version != 1 && version != 2)
            throw new Emb8FormatException(name, 4, "version", "unsupported version " + Integer.toUnsignedString(version) + " (this reader knows 1 and 2)");
        if (size < Emb8Layout.HEADER_BYTES)
            throw new Emb8FormatException(name, size, "header", "truncated: the header needs " + Emb8Layout.HEADER_BYTES + " bytes, the file has " + size);
        long vocab = Integer.toUnsignedLong(seg.get(U32, 8));
        long embed = Integer.toUnsignedLong(seg.get(U32, 12));
        long original = Integer.toUnsignedLong(seg.get(U32, 16));
        if (vocab < 1 || vocab > MAX_VOCAB)
            throw new Emb8FormatException(name, 8, "vocab_size", vocab + " is outside 1.." + MAX_VOCAB);
        if (original < 1 || original > MAX_DIM)
            throw new Emb8FormatException(name, 16, "original_dim", original + " is outside 1.." + MAX_DIM);
        if (embed < 1 || embed > original)
            throw new Emb8FormatException(name, 12, "embed_dim", embed + " is outside 1..original_dim (" + original + ")");
        for (int off = 20; off < Emb8Layout.HEADER_BYTES; off += 4)
            if (seg.get(U32, off) != 0) throw new Emb8FormatException(name, off, "reserved", "must be zero");
        Emb8Layout l = sizedLayout(name, seg, version, vocab, embed, original);
        if (vocab * embed > Integer.MAX_VALUE - 8)
            throw new Emb8FormatException(name, 8, "vocab_size x embed_dim", vocab * embed + " bytes of rows is more than this reader supports");
        return l;
    }

    /** The layout whose sections fit the file (for version 1: which of the two layouts, see {@link Emb8Layout}). */
    private static Emb8Layout sizedLayout(String name, MemorySegment seg, int version, long vocab, long embed, long original) throws Emb8FormatException {
        long size = seg.byteSize();
        String sizes = "vocab_size " + vocab + ", embed_dim " + embed + " and original_dim " + original;
        if (version == 2) {
            Emb8Layout l = new Emb8Layout(Emb8Format.V2, (int) vocab, (int) embed, (int) original);
            if (l.tablesEnd() > size)
                throw new Emb8FormatException(name, size, "tables", "truncated: " + sizes + " need " + l.tablesEnd() + " bytes before the tokenizer, the file has " + size);
            return l;
        }
        Emb8Layout original1 = new Emb8Layout(Emb8Format.V1_ORIGINAL, (int) vocab, (int) embed, (int) original);
        if (size == original1.tablesEnd()) return original1; // exact: the original layout (see Emb8Layout on why it wins)
        Emb8Layout legacy = new Emb8Layout(Emb8Format.V1_EGEMMA_LEGACY, (int) vocab, (int) embed, (int) original);
        long tokOff = legacy.tablesEnd();
        if (size >= tokOff + 4 && seg.get(U32, tokOff) == GgufFile.MAGIC) return legacy;
        if (size < original1.tablesEnd())
            throw new Emb8FormatException(name, size, "tables", "truncated: version 1 (the original layout) with " + sizes + " is "
                    + original1.tablesEnd() + " bytes, the file has " + size);
        throw new Emb8FormatException(name, original1.tablesEnd(), "end of file", "version 1 (the original layout) with " + sizes + " is "
                + original1.tablesEnd() + " bytes, the file has " + (size - original1.tablesEnd()) + " more; nor is it an earlier egemma build's file"
                + " (no GGUF tokenizer at byte " + tokOff + ")");
    }

    /**
     * Checks {@code n} floats at {@code off}, copied a window at a time: in a cold JVM (opening a table is
     * usually the first thing a process does) a loop of segment reads runs interpreted at a small fraction of the
     * speed of array reads, and copying all 262,144 scales to the heap would mean 1 MB more memory to touch.
     */
    private static void checkRange(String name, MemorySegment seg, long off, long n, String field, float min, float max) throws Emb8FormatException {
        float[] w = new float[(int) Math.min(n, 4096)];
        for (long i = 0; i < n; i += w.length) {
            int k = (int) Math.min(w.length, n - i);
            MemorySegment.copy(seg, F32, off + 4 * i, w, 0, k);
            for (int j = 0; j < k; j++) {
                float v = w[j];
                if (!(v >= min && v <= max))
                    throw new Emb8FormatException(name, off + 4 * (i + j), field + "[" + (i + j) + "]",
                            "must be in " + (min == 0 ? "0" : min) + ".." + max + ", found " + v);
            }
        }
    }

    /**
     * The file's name as messages show it.
     *
     * @return the path or the name given to {@code parse}
     */
    public String name() {
        return name;
    }

    /**
     * Number of rows, one per token id.
     *
     * @return the header's {@code vocab_size}
     */
    public int vocabSize() {
        return layout.vocabSize();
    }

    /**
     * Width of the rows.
     *
     * @return the header's {@code embed_dim}
     */
    public int embedDim() {
        return layout.embedDim();
    }

    /**
     * Width of the teacher's vectors.
     *
     * @return the header's {@code original_dim}
     */
    public int originalDim() {
        return layout.originalDim();
    }

    /**
     * Which layout the file has.
     *
     * @return V2, V1_ORIGINAL or V1_EGEMMA_LEGACY
     */
    public Emb8Format format() {
        return layout.format();
    }

    /**
     * Whether the file holds the PCA components ({@link #components()}, {@link #project}): not in version 1.
     *
     * @return false for version 1
     */
    public boolean hasComponents() {
        return layout.hasComponents();
    }

    /**
     * The tokenizer of the table's vocabulary.
     *
     * @return the one given at open, else the file's own
     */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * The teacher's tokenizer keys as stored (for re-export or inspection); null for version 1, which holds none.
     *
     * @return a GGUF image holding the {@code tokenizer.*} keys, or null
     */
    public GgufFile tokenizerGguf() {
        return tokenizerGguf;
    }

    /**
     * Scale of token {@code t}'s row (read from the mapping).
     *
     * @param t a token id, 0 to {@code vocabSize() - 1}
     * @return the factor that turns the row's int8 values into floats
     * @throws IndexOutOfBoundsException if {@code t} is out of range
     */
    public float scale(int t) {
        java.util.Objects.checkIndex(t, layout.vocabSize());
        return image.get(F32, layout.scalesOffset() + 4L * t);
    }

    /**
     * The quantized rows, {@code vocab x embed_dim} int8 (token t at {@code t * embedDim()}).
     *
     * @return a slice of the mapping of {@code vocabSize() * embedDim()} bytes
     */
    public MemorySegment rows() {
        return image.asSlice(layout.rowsOffset(), (long) layout.vocabSize() * layout.embedDim());
    }

    /**
     * Token {@code t}'s row dequantized.
     *
     * @param t a token id, 0 to {@code vocabSize() - 1}
     * @return {@link #embedDim()} new floats, the int8 values times {@link #scale(int)}
     * @throws IndexOutOfBoundsException if {@code t} is out of range
     */
    public float[] row(int t) {
        java.util.Objects.checkIndex(t, layout.vocabSize());
        float[] r = new float[layout.embedDim()];
        long off = layout.rowsOffset() + (long) t * layout.embedDim();
        float s = scale(t);
        for (int j = 0; j < r.length; j++) r[j] = image.get(ValueLayout.JAVA_BYTE, off + j) * s;
        return r;
    }

    /**
     * The PCA mean ({@code original_dim}).
     *
     * @return {@link #originalDim()} new floats
     */
    public float[] mean() {
        float[] m = new float[layout.originalDim()];
        MemorySegment.copy(image, F32, layout.meanOffset(), m, 0, m.length);
        return m;
    }

    /**
     * The PCA components, {@code embed_dim x original_dim}; see {@link #hasComponents()}.
     *
     * @return {@code embedDim()} new rows of {@code originalDim()} floats
     * @throws UnsupportedOperationException for a version 1 file
     */
    public float[][] components() {
        requireComponents();
        float[][] c = new float[layout.embedDim()][layout.originalDim()];
        for (int i = 0; i < c.length; i++)
            MemorySegment.copy(image, F32, layout.componentsOffset() + 4L * i * layout.originalDim(), c[i], 0, layout.originalDim());
        return c;
    }

    /**
     * Projects a teacher vector ({@code original_dim}) into this file's space: {@code components (x - mean)}.
     *
     * @param x a teacher vector of {@link #originalDim()} floats
     * @return {@link #embedDim()} new floats
     * @throws UnsupportedOperationException for a version 1 file
     * @throws IllegalArgumentException      if {@code x} has the wrong length
     */
    public float[] project(float[] x) {
        requireComponents();
        if (x.length != layout.originalDim()) throw new IllegalArgumentException("vector of " + x.length + " values, the file's original_dim is " + layout.originalDim());
        float[] out = new float[layout.embedDim()];
        long co = layout.componentsOffset(), mo = layout.meanOffset();
        for (int c = 0; c < out.length; c++) {
            double s = 0;
            for (int i = 0; i < x.length; i++)
                s += (double) image.get(F32, co + 4L * ((long) c * x.length + i)) * (x[i] - image.get(F32, mo + 4L * i));
            out[c] = (float) s;
        }
        return out;
    }

    private void requireComponents() {
        if (!layout.hasComponents())
            throw new UnsupportedOperationException(name + " is a version 1 file (the original prep tool's layout): it holds no PCA components");
    }

    @Override
    public void close() {
        if (arena != null) arena.close();
    }
}
