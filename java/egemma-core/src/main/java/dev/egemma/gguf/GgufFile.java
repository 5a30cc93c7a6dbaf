// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A GGUF file (v2/v3, little-endian), mapped once read-only. Metadata is parsed at open (arrays of
 * strings lazily, see {@link GgufStringArray}); tensors are slices of the mapping (no copy, no
 * dequantization). Closing releases the mapping; any use after close throws {@link IllegalStateException}.
 *
 * <p>Layout: magic "GGUF", u32 version, u64 tensor_count, u64 kv_count, kv pairs, tensor infos,
 * padding to {@code general.alignment}, tensor data.
 */
public final class GgufFile implements AutoCloseable {
    /** The first four bytes of every GGUF file, "GGUF", read as a little-endian u32. */
    public static final int MAGIC = 0x46554747; // "GGUF" read as little-endian u32
    /** Alignment of the tensor data in bytes when the file sets no {@code general.alignment}. */
    public static final int DEFAULT_ALIGNMENT = 32;
    /** ggml's GGML_MAX_NAME: tensor names are at most 63 bytes. */
    public static final int MAX_TENSOR_NAME = 63;
    /** The most dimensions a tensor may have (ggml's GGML_MAX_DIMS). */
    public static final int MAX_DIMS = 4;

    private final Path path;
    private final Arena arena; // null for images not owned by this object
    private final MemorySegment mapping;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final Map<String, GgufTensor> tensors;
    private final long dataOffset;
    private final int alignment;
    private volatile boolean closed;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, int version, Map<String, GgufValue> metadata,
                     Map<String, GgufTensor> tensors, long dataOffset, int alignment) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.dataOffset = dataOffset;
        this.alignment = alignment;
    }

    /**
     * Maps and parses {@code path}. Every malformed input is a {@link GgufFormatException}.
     *
     * @param path the GGUF file
     * @return the parsed file, mapped until {@link #close()}
     * @throws IOException         if the file cannot be opened or mapped (a directory included)
     * @throws GgufFormatException if the content is not a well-formed GGUF v2/v3
     */
    public static GgufFile open(Path path) throws IOException {
        // FileChannel opens a directory and then fails reading it with a bare "Is a directory" naming no file
        if (java.nio.file.Files.isDirectory(path))
            throw new java.nio.file.FileSystemException(path.toString(), null, "is a directory, not a GGUF file");
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.ofArray(new byte[0])
                    : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return parse(path, arena, seg);
        } catch (Throwable t) {
            arena.close();
            throw t;
        }
    }

    /**
     * Parses a GGUF image already in memory (a heap segment, or a mapping the caller owns and keeps
     * alive). {@code name} is used in messages. {@link #close()} then only marks this object closed.
     *
     * @param name  name of the image for error messages (e.g. its file name)
     * @param image the whole GGUF, kept alive by the caller while this object is used
     * @return the parsed image
     * @throws GgufFormatException if the content is not a well-formed GGUF v2/v3
     */
    public static GgufFile parse(String name, MemorySegment image) throws GgufFormatException {
        return parse(Path.of(name), null, image);
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment seg) throws GgufFormatException {
        GgufCursor c = new GgufCursor(path.toString(), seg);
        if (seg.byteSize() < 24) {
            // Still report the first field that is bad or missing.
            if (seg.byteSize() >= 4 && c.i32("magic") != MAGIC) throw badMagic(c, seg);
            if (seg.byteSize() >= 8 && !supported(c.i32("version"))) throw badVersion(c, seg);
            throw c.error(seg.byteSize(), "header", "truncated: the header needs 24 bytes, the file has " + seg.byteSize());
        }
        if (c.i32("magic") != MAGIC) throw badMagic(c, seg);
        int version = c.i32("version");
        if (!supported(version)) throw badVersion(c, seg);
        long tensorCount = c.u64("tensor_count");
        long kvCount = c.u64("metadata_kv_count");
        // A kv needs at least 8 (key length) + 4 (type) + 1 bytes, a tensor info 8 + 4 + 8 + 4 + 8.
        if (kvCount > c.remaining() / 13)
            throw c.error(16, "metadata_kv_count", kvCount + " pairs cannot fit in the " + c.remaining() + " bytes that follow");
        if (tensorCount > c.remaining() / 32 || tensorCount > Integer.MAX_VALUE - 8)
            throw c.error(8, "tensor_count", tensorCount + " tensors cannot fit in the " + c.remaining() + " bytes that follow");

        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        long alignmentAt = -1;
        for (long i = 0; i < kvCount; i++) {
            long at = c.pos;
            // field names with String.concat, not +: each + call site bootstraps an invokedynamic, milliseconds
            // apiece in the cold JVM that opening a model (or an EMB8 table's tokenizer) usually runs in
            String key = c.string("metadata key #".concat(Long.toString(i)), 1 << 16);
            GgufValueType type = c.valueType("type of ".concat(key));
            long valueAt = c.pos;
            GgufValue value = c.value(type, key, 0);
            if (metadata.putIfAbsent(key, value) != null) throw c.error(at, key, "duplicate metadata key");
            if (key.equals("general.alignment")) alignmentAt = valueAt;
        }

        int alignment = DEFAULT_ALIGNMENT;
        GgufValue a = metadata.get("general.alignment");
        if (a != null) {
            if (a.type() != GgufValueType.UINT32)
                throw c.error(alignmentAt, "general.alignment", "type " + a.type() + ", expected UINT32");
            long al = (Long) a.value();
            if (al <= 0 || al > (1 << 20) || (al & (al - 1)) != 0)
                throw c.error(alignmentAt, "general.alignment", al + " is not a power of two in 1..2^20");
            alignment = (int) al;
        }

        // type is null for an id ggml does not define: such a tensor is listed without data (see GgufTensor).
        record Info(String name, GgmlType type, int typeId, long[] shape, long offset, long bytes, long at, long offsetAt)
                implements Comparable<Info> {
            /** Bytes the checks below reserve: any real type takes at least one byte, an unknown one no fewer. */
            long reserved() {
                return type != null ? bytes : 1;
            }

            /** By offset. Comparable, not Comparator.comparingLong(Info::offset): that method reference cost ~8 ms cold. */
            @Override
            public int compareTo(Info o) {
                return Long.compare(offset, o.offset);
            }
        }
        Info[] infos = new Info[(int) tensorCount];
        for (int i = 0; i < tensorCount; i++) {
            long at = c.pos;
            String name = c.string("tensor name #".concat(Integer.toString(i)), MAX_TENSOR_NAME);
            int nDims = c.i32("n_dims of ".concat(name));
            if (nDims < 1 || nDims > MAX_DIMS) throw c.error(c.pos - 4, "n_dims of " + name, nDims + " (must be 1.." + MAX_DIMS + ")");
            long[] shape = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                shape[d] = c.u64("ne[".concat(Integer.toString(d)).concat("] of ").concat(name));
                if (shape[d] <= 0) throw c.error(c.pos - 8, "ne[" + d + "] of " + name, shape[d] + " (must be > 0)");
                if (elements > Long.MAX_VALUE / shape[d])
                    throw c.error(c.pos - 8, "shape of " + name, "element count " + Arrays.toString(Arrays.copyOf(shape, d + 1)) + " overflows");
                elements *= shape[d];
            }
            int typeId = c.i32("type of ".concat(name));
            GgmlType type = GgmlType.byId(typeId);
            long offsetAt = c.pos;
            long offset = c.u64("offset of ".concat(name));
            long bytes = -1;
            if (type != null) {
                if (shape[0] % type.blockSize != 0)
                    throw c.error(at, "shape of " + name, "ne[0]=" + shape[0] + " is not a multiple of " + type + "'s block size " + type.blockSize);
                long blocks = elements / type.blockSize;
                if (blocks > Long.MAX_VALUE / type.typeSize) throw c.error(at, "shape of " + name, "byte size overflows");
                bytes = blocks * type.typeSize;
            }
            if (offset % alignment != 0)
                throw c.error(offsetAt, "offset of " + name, offset + " is not a multiple of the alignment " + alignment);
            infos[i] = new Info(name, type, typeId, shape, offset, bytes, at, offsetAt);
        }

        long dataOffset = alignUp(c.pos, alignment);
        if (tensorCount > 0 && dataOffset > seg.byteSize())
            throw c.error(c.pos, "tensor data", "data section starts at " + dataOffset + ", past the end of the file (" + seg.byteSize() + " bytes)");
        long dataSize = seg.byteSize() - Math.min(dataOffset, seg.byteSize());

        Info[] byOffset = infos.clone();
        Arrays.sort(byOffset);
        long end = 0;
        String prev = null;
        for (Info info : byOffset) {
            long reserved = info.reserved();
            String extent = info.type != null ? Long.toString(info.bytes) : "(at least 1 byte, type id " + info.typeId + ")";
            if (info.offset > dataSize || reserved > dataSize - info.offset)
                throw c.error(info.offsetAt, "offset of " + info.name, "data [" + info.offset + ", " + info.offset + "+" + extent
                        + ") lies outside the data section of " + dataSize + " bytes (file offset " + dataOffset + ")");
            if (info.offset < end)
                throw c.error(info.offsetAt, "offset of " + info.name, "data at " + info.offset + " overlaps tensor " + prev + ", which ends at " + end);
            end = info.offset + reserved;
            prev = info.name;
        }
        Map<String, GgufTensor> tensors = new LinkedHashMap<>();
        for (Info info : infos) {
            if (tensors.containsKey(info.name)) throw c.error(info.at, "tensor " + info.name, "duplicate tensor name");
            GgufTensor t = info.type == null ? GgufTensor.ofUnknownType(info.name, info.typeId, info.shape, info.offset)
                    : new GgufTensor(info.name, info.type, info.shape, info.offset, info.bytes,
                            seg.asSlice(dataOffset + info.offset, info.bytes).asReadOnly());
            tensors.put(info.name, t);
        }
        return new GgufFile(path, arena, seg, version, metadata, tensors, dataOffset, alignment);
    }

    private static boolean supported(int version) {
        return version == 2 || version == 3;
    }

    private static GgufFormatException badMagic(GgufCursor c, MemorySegment seg) {
        int magic = seg.get(GgufCursor.I32, 0);
        return c.error(0, "magic", String.format("expected \"GGUF\" (0x%08x), found 0x%08x", MAGIC, magic));
    }

    private static GgufFormatException badVersion(GgufCursor c, MemorySegment seg) {
        int v = seg.get(GgufCursor.I32, 4);
        String hint = supported(Integer.reverseBytes(v)) ? "; this is a big-endian GGUF, only little-endian files are supported" : "";
        return c.error(4, "version", "unsupported GGUF version " + v + " (2 and 3 are supported)" + hint);
    }

    static long alignUp(long x, long alignment) {
        return (x + alignment - 1) / alignment * alignment;
    }

    /**
     * The file this was opened from.
     *
     * @return the path given to {@link #open}, or the name given to {@link #parse} as a path
     */
    public Path path() {
        return path;
    }

    /**
     * Whether this maps the file {@link #path()} names ({@link #open}), not an image parsed from memory.
     *
     * @return true for a mapped file
     */
    public boolean mapsFile() {
        return arena != null;
    }

    /**
     * The GGUF format version in the header.
     *
     * @return 2 or 3
     */
    public int version() {
        return version;
    }

    /**
     * Alignment of the tensor data.
     *
     * @return {@code general.alignment} in bytes, or {@link #DEFAULT_ALIGNMENT} when absent
     */
    public int alignment() {
        return alignment;
    }

    /**
     * Absolute file offset of the tensor data section.
     *
     * @return offset in bytes from the start of the file, a multiple of {@link #alignment()}
     */
    public long dataOffset() {
        return dataOffset;
    }

    /**
     * All metadata in file order.
     *
     * @return an unmodifiable map from key to value
     * @throws IllegalStateException if closed
     */
    public Map<String, GgufValue> metadata() {
        ensureOpen();
        return metadata;
    }

    /**
     * All tensors in file order.
     *
     * @return an unmodifiable map from tensor name to tensor
     * @throws IllegalStateException if closed
     */
    public Map<String, GgufTensor> tensors() {
        ensureOpen();
        return tensors;
    }

    /**
     * The tensor, or null.
     *
     * @param name the tensor's name, e.g. {@code blk.0.attn_q.weight}
     * @return the tensor, or null if the file has none of that name
     * @throws IllegalStateException if closed
     */
    public GgufTensor tensor(String name) {
        ensureOpen();
        return tensors.get(name);
    }

    /**
     * Drops the header's file pages (metadata, the vocabulary's strings) from this process's resident set once what
     * needs them has been read: they stay in the page cache, and a later read (a lazily decoded string) maps them
     * again. The 262,144 token strings and their scores take ~8 MB of a Gemma file. Nothing for an image parsed from
     * memory.
     *
     * @throws IllegalStateException if closed
     */
    public void releaseMetadataPages() {
        ensureOpen();
        if (mapsFile()) mapping.asSlice(0, Math.min(dataOffset, mapping.byteSize())).unload();
    }

    /**
     * The whole mapping (read-only).
     *
     * @return a read-only view of the whole file
     * @throws IllegalStateException if closed
     */
    public MemorySegment mapping() {
        ensureOpen();
        return mapping.asReadOnly();
    }

    /**
     * Whether the metadata holds {@code key}.
     *
     * @param key a metadata key, e.g. {@code gemma-embedding.context_length}
     * @return true if present, whatever its type
     * @throws IllegalStateException if closed
     */
    public boolean has(String key) {
        ensureOpen();
        return metadata.containsKey(key);
    }

    /**
     * The metadata value of {@code key}, which must be present.
     *
     * @param key a metadata key
     * @return the typed value
     * @throws IllegalArgumentException if the key is missing
     * @throws IllegalStateException    if closed
     */
    public GgufValue value(String key) {
        ensureOpen();
        GgufValue v = metadata.get(key);
        if (v == null) throw new IllegalArgumentException(path + ": missing metadata key " + key);
        return v;
    }

    /**
     * Any integer type, as long (u64 as raw bits).
     *
     * @param key a metadata key
     * @return the value widened to long
     * @throws IllegalArgumentException if the key is missing or its value is not an integer
     */
    public long getLong(String key) {
        GgufValue v = value(key);
        if (!(v.value() instanceof Integer || v.value() instanceof Long))
            throw new IllegalArgumentException(path + ": metadata " + key + " is " + v.type() + ", expected an integer");
        return ((Number) v.value()).longValue();
    }

    /**
     * As {@link #getLong(String)}, with a default for a missing key.
     *
     * @param key          a metadata key
     * @param defaultValue returned when the key is missing
     * @return the value, or {@code defaultValue}
     * @throws IllegalArgumentException if the value is not an integer
     */
    public long getLong(String key, long defaultValue) {
        return has(key) ? getLong(key) : defaultValue;
    }

    /**
     * An integer metadata value that fits an int.
     *
     * @param key a metadata key
     * @return the value
     * @throws IllegalArgumentException if the key is missing, its value is not an integer or does not fit an int
     */
    public int getInt(String key) {
        long v = getLong(key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)
            throw new IllegalArgumentException(path + ": metadata " + key + " = " + v + " does not fit an int");
        return (int) v;
    }

    /**
     * As {@link #getInt(String)}, with a default for a missing key.
     *
     * @param key          a metadata key
     * @param defaultValue returned when the key is missing
     * @return the value, or {@code defaultValue}
     * @throws IllegalArgumentException if the value is not an integer or does not fit an int
     */
    public int getInt(String key, int defaultValue) {
        return has(key) ? getInt(key) : defaultValue;
    }

    /**
     * A floating-point metadata value (f32, or f64 rounded to float).
     *
     * @param key a metadata key
     * @return the value
     * @throws IllegalArgumentException if the key is missing or its value is not a float
     */
    public float getFloat(String key) {
        GgufValue v = value(key);
        if (v.value() instanceof Float f) return f;
        if (v.value() instanceof Double d) return d.floatValue();
        throw new IllegalArgumentException(path + ": metadata " + key + " is " + v.type() + ", expected a float");
    }

    /**
     * As {@link #getFloat(String)}, with a default for a missing key.
     *
     * @param key          a metadata key
     * @param defaultValue returned when the key is missing
     * @return the value, or {@code defaultValue}
     * @throws IllegalArgumentException if the value is not a float
     */
    public float getFloat(String key, float defaultValue) {
        return has(key) ? getFloat(key) : defaultValue;
    }

    /**
     * A bool metadata value.
     *
     * @param key a metadata key
     * @return the value
     * @throws IllegalArgumentException if the key is missing or its value is not a bool
     */
    public boolean getBoolean(String key) {
        GgufValue v = value(key);
        if (v.value() instanceof Boolean b) return b;
        throw new IllegalArgumentException(path + ": metadata " + key + " is " + v.type() + ", expected a bool");
    }

    /**
     * As {@link #getBoolean(String)}, with a default for a missing key.
     *
     * @param key          a metadata key
     * @param defaultValue returned when the key is missing
     * @return the value, or {@code defaultValue}
     * @throws IllegalArgumentException if the value is not a bool
     */
    public boolean getBoolean(String key, boolean defaultValue) {
        return has(key) ? getBoolean(key) : defaultValue;
    }

    /**
     * A string metadata value.
     *
     * @param key a metadata key
     * @return the value, decoded as UTF-8
     * @throws IllegalArgumentException if the key is missing or its value is not a string
     */
    public String getString(String key) {
        GgufValue v = value(key);
        if (v.value() instanceof String s) return s;
        throw new IllegalArgumentException(path + ": metadata " + key + " is " + v.type() + ", expected a string");
    }

    /**
     * As {@link #getString(String)}, with a default for a missing key.
     *
     * @param key          a metadata key
     * @param defaultValue returned when the key is missing (may be null)
     * @return the value, or {@code defaultValue}
     * @throws IllegalArgumentException if the value is not a string
     */
    public String getString(String key, String defaultValue) {
        return has(key) ? getString(key) : defaultValue;
    }

    /**
     * A fresh copy of an array of strings (decoded once per file, then cached).
     *
     * @param key a metadata key, e.g. {@code tokenizer.ggml.tokens}
     * @return a new array the caller may modify
     * @throws IllegalArgumentException if the key is missing or its value is not an array of strings
     */
    public String[] getStringArray(String key) {
        return stringArray(key).toArray().clone();
    }

    /**
     * The lazily decoded view of an array of strings: {@code size()}, {@code get(i)}, {@code bytes(i)}.
     *
     * @param key a metadata key
     * @return the view, shared by all callers
     * @throws IllegalArgumentException if the key is missing or its value is not an array of strings
     */
    public GgufStringArray stringArray(String key) {
        GgufValue v = value(key);
        GgufStringArray a = v.stringArray();
        if (a == null) throw new IllegalArgumentException(path + ": metadata " + key + " is " + v + ", expected an array of strings");
        return a;
    }

    /**
     * An array of f32 (shared with the metadata: do not modify).
     *
     * @param key a metadata key
     * @return the array held by the metadata
     * @throws IllegalArgumentException if the key is missing or its value is not an array of f32
     */
    public float[] getFloatArray(String key) {
        GgufValue v = value(key);
        if (v.value() instanceof float[] f) return f;
        throw new IllegalArgumentException(path + ": metadata " + key + " is " + v + ", expected an array of f32");
    }

    /**
     * An array of i32 or u32 (u32 as raw bits; shared with the metadata: do not modify).
     *
     * @param key a metadata key
     * @return the array held by the metadata
     * @throws IllegalArgumentException if the key is missing or its value is not an array of i32 or u32
     */
    public int[] getIntArray(String key) {
        GgufValue v = value(key);
        if (v.value() instanceof int[] a) return a;
        throw new IllegalArgumentException(path + ": metadata " + key + " is " + v + ", expected an array of 32-bit integers");
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException(path + " is closed");
    }

    /**
     * Whether {@link #close()} has been called.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return closed;
    }

    /** Releases the mapping; tensor slices and undecoded string arrays become unusable (IllegalStateException). */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            if (arena != null) arena.close();
        }
    }
}
