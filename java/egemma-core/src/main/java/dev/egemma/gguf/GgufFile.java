package dev.egemma.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A GGUF file (v2/v3, little-endian), mapped once read-only. Metadata is parsed at open; tensors are
 * slices of the mapping (no copy, no dequantization). Closing releases the mapping; any use after close
 * throws {@link IllegalStateException}.
 *
 * <p>Layout: magic "GGUF", u32 version, u64 tensor_count, u64 kv_count, kv pairs, tensor infos,
 * padding to {@code general.alignment}, tensor data.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" read as little-endian u32
    public static final int DEFAULT_ALIGNMENT = 32;

    private final Path path;
    private final Arena arena;
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

    /** Maps and parses {@code path}. Every malformed input is a {@link GgufFormatException}. */
    public static GgufFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.NULL.reinterpret(0)
                    : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return parse(path, arena, seg);
        } catch (Throwable t) {
            arena.close();
            throw t;
        }
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment seg) throws GgufFormatException {
        Cursor c = new Cursor(path.toString(), seg);
        int magic = c.i32("magic");
        if (magic != MAGIC) throw c.error(0, "magic", String.format("expected \"GGUF\", found 0x%08x", magic));
        int version = c.i32("version");
        if (version != 2 && version != 3) throw c.error(4, "version", "unsupported GGUF version " + version + " (2 and 3 are)");
        long tensorCount = c.u64("tensor_count");
        long kvCount = c.u64("metadata_kv_count");
        // Each kv needs at least 8 (key len) + 4 (type) bytes, each tensor info at least 8+4+4+8.
        if (kvCount < 0 || kvCount > c.remaining() / 12) throw c.error(16, "metadata_kv_count", kvCount + " pairs cannot fit in the file");
        if (tensorCount < 0 || tensorCount > c.remaining() / 24) throw c.error(8, "tensor_count", tensorCount + " tensors cannot fit in the file");

        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = c.pos;
            String key = c.string("metadata key #" + i);
            GgufValueType type = c.valueType("type of " + key);
            GgufValue value = c.value(type, key, 0);
            if (metadata.putIfAbsent(key, value) != null) throw c.error(at, key, "duplicate metadata key");
        }

        int alignment = DEFAULT_ALIGNMENT;
        GgufValue a = metadata.get("general.alignment");
        if (a != null) {
            if (a.type() != GgufValueType.UINT32 && a.type() != GgufValueType.INT32)
                throw new GgufFormatException(path + ": general.alignment has type " + a.type() + ", expected u32");
            long al = ((Number) a.value()).longValue();
            if (al <= 0 || al > (1 << 20) || (al & (al - 1)) != 0)
                throw new GgufFormatException(path + ": general.alignment " + al + " is not a power of two in 1..2^20");
            alignment = (int) al;
        }

        record Info(String name, GgmlType type, long[] shape, long offset, long bytes, long at) {}
        Info[] infos = new Info[(int) tensorCount];
        for (int i = 0; i < tensorCount; i++) {
            long at = c.pos;
            String name = c.string("tensor name #" + i);
            int nDims = c.i32("n_dims of " + name);
            if (nDims < 1 || nDims > 4) throw c.error(c.pos - 4, "n_dims of " + name, nDims + " (must be 1..4)");
            long[] shape = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                shape[d] = c.u64("ne[" + d + "] of " + name);
                if (shape[d] <= 0) throw c.error(c.pos - 8, "ne[" + d + "] of " + name, shape[d] + " (must be > 0)");
                try {
                    elements = Math.multiplyExact(elements, shape[d]);
                } catch (ArithmeticException e) {
                    throw c.error(c.pos - 8, "shape of " + name, "element count overflows");
                }
            }
            int typeId = c.i32("type of " + name);
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) throw c.error(c.pos - 4, "type of " + name, "unknown ggml type id " + typeId);
            long offset = c.u64("offset of " + name);
            if (shape[0] % type.blockSize != 0)
                throw c.error(at, "shape of " + name, "ne[0]=" + shape[0] + " is not a multiple of " + type + "'s block size " + type.blockSize);
            long bytes;
            try {
                bytes = type.byteSize(elements);
            } catch (ArithmeticException e) {
                throw c.error(at, "shape of " + name, "byte size overflows");
            }
            if (offset < 0 || offset % alignment != 0)
                throw c.error(c.pos - 8, "offset of " + name, offset + " is not aligned to " + alignment);
            infos[i] = new Info(name, type, shape, offset, bytes, at);
        }

        long dataOffset = alignUp(c.pos, alignment);
        if (tensorCount > 0 && dataOffset > seg.byteSize())
            throw c.error(c.pos, "tensor data", "data section starts at " + dataOffset + ", past the end of the file (" + seg.byteSize() + " bytes)");
        long dataSize = seg.byteSize() - Math.min(dataOffset, seg.byteSize());

        Map<String, GgufTensor> tensors = new LinkedHashMap<>();
        Info[] byOffset = infos.clone();
        java.util.Arrays.sort(byOffset, java.util.Comparator.comparingLong(Info::offset));
        long end = 0;
        for (Info info : byOffset) {
            if (info.offset > dataSize || info.bytes > dataSize - info.offset)
                throw c.error(info.at, "tensor " + info.name, "data [" + info.offset + ", +" + info.bytes + ") lies outside the data section of " + dataSize + " bytes");
            if (info.offset < end)
                throw c.error(info.at, "tensor " + info.name, "data at " + info.offset + " overlaps the previous tensor, which ends at " + end);
            end = info.offset + info.bytes;
        }
        for (Info info : infos) {
            if (tensors.containsKey(info.name)) throw c.error(info.at, "tensor " + info.name, "duplicate tensor name");
            MemorySegment slice = seg.asSlice(dataOffset + info.offset, info.bytes).asReadOnly();
            tensors.put(info.name, new GgufTensor(info.name, info.type, info.shape, info.offset, info.bytes, slice));
        }
        return new GgufFile(Path.of(c.file), arena, seg, version, metadata, tensors, dataOffset, alignment);
    }

    static long alignUp(long x, long alignment) {
        return (x + alignment - 1) / alignment * alignment;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public int alignment() {
        return alignment;
    }

    /** Absolute file offset of the tensor data section. */
    public long dataOffset() {
        return dataOffset;
    }

    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    public Map<String, GgufTensor> tensors() {
        ensureOpen();
        return tensors;
    }

    /** The tensor, or null. */
    public GgufTensor tensor(String name) {
        ensureOpen();
        return tensors.get(name);
    }

    /** The whole mapping (read-only). */
    public MemorySegment mapping() {
        ensureOpen();
        return mapping.asReadOnly();
    }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    public GgufValue value(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) throw new IllegalArgumentException(path + ": missing metadata key " + key);
        return v;
    }

    /** Any integer type, as long. */
    public long getLong(String key) {
        GgufValue v = value(key);
        if (!(v.value() instanceof Integer || v.value() instanceof Long))
            throw new IllegalArgumentException(path + ": metadata " + key + " is " + v.type() + ", expected an integer");
        return ((Number) v.value()).longValue();
    }

    public long getLong(String key, long defaultValue) {
        return has(key) ? getLong(key) : defaultValue;
    }

    public int getInt(String key) {
        long v = getLong(key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)
            throw new IllegalArgumentException(path + ": metadata " + key + " = " + v + " does not fit an int");
        return (int) v;
    }

    public int getInt(String key, int defaultValue) {
        return has(key) ? getInt(key) : defaultValue;
    }

    public float getFloat(String key) {
        GgufValue v = value(key);
        if (v.value() instanceof Float f) return f;
        if (v.value() instanceof Double d) return d.floatValue();
        throw new IllegalArgumentException(path + ": metadata " + key + " is " + v.type() + ", expected a float");
    }

    public float getFloat(String key, float defaultValue) {
        return has(key) ? getFloat(key) : defaultValue;
    }

    public boolean getBoolean(String key) {
        GgufValue v = value(key);
        if (v.value() instanceof Boolean b) return b;
        throw new IllegalArgumentException(path + ": metadata " + key + " is " + v.type() + ", expected a bool");
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        return has(key) ? getBoolean(key) : defaultValue;
    }

    public String getString(String key) {
        GgufValue v = value(key);
        if (v.value() instanceof String s) return s;
        throw new IllegalArgumentException(path + ": metadata " + key + " is " + v.type() + ", expected a string");
    }

    public String getString(String key, String defaultValue) {
        return has(key) ? getString(key) : defaultValue;
    }

    public String[] getStringArray(String key) {
        GgufValue v = value(key);
        if (v.value() instanceof String[] s) return s;
        throw new IllegalArgumentException(path + ": metadata " + key + " is " + v + ", expected an array of strings");
    }

    public float[] getFloatArray(String key) {
        GgufValue v = value(key);
        if (v.value() instanceof float[] f) return f;
        throw new IllegalArgumentException(path + ": metadata " + key + " is " + v + ", expected an array of f32");
    }

    /** An array of i32 or u32 (u32 as raw bits). */
    public int[] getIntArray(String key) {
        GgufValue v = value(key);
        if (v.value() instanceof int[] a) return a;
        throw new IllegalArgumentException(path + ": metadata " + key + " is " + v + ", expected an array of 32-bit integers");
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException(path + " is closed");
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    /** Bounds-checked little-endian reads over the mapping; every failure names file, offset and field. */
    private static final class Cursor {
        private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        /** Nesting limit for arrays of arrays: deeper is certainly garbage, and recursion must stay bounded. */
        private static final int MAX_DEPTH = 8;

        final String file;
        final MemorySegment seg;
        long pos;

        Cursor(String file, MemorySegment seg) {
            this.file = file;
            this.seg = seg;
        }

        long remaining() {
            return seg.byteSize() - pos;
        }

        GgufFormatException error(long at, String field, String problem) {
            return new GgufFormatException(file, at, field, problem);
        }

        private long need(long n, String field) throws GgufFormatException {
            if (n < 0 || n > remaining())
                throw error(pos, field, "needs " + n + " bytes but only " + remaining() + " remain (file is " + seg.byteSize() + " bytes)");
            long at = pos;
            pos += n;
            return at;
        }

        int i32(String field) throws GgufFormatException {
            return seg.get(I32, need(4, field));
        }

        long u64(String field) throws GgufFormatException {
            long v = seg.get(I64, need(8, field));
            if (v < 0) throw error(pos - 8, field, "value " + Long.toUnsignedString(v) + " is too large");
            return v;
        }

        GgufValueType valueType(String field) throws GgufFormatException {
            int id = i32(field);
            GgufValueType t = GgufValueType.byId(id);
            if (t == null) throw error(pos - 4, field, "unknown value type id " + id);
            return t;
        }

        String string(String field) throws GgufFormatException {
            long len = u64(field + " length");
            long at = need(len, field);
            if (len > Integer.MAX_VALUE - 8) throw error(at, field, "string of " + len + " bytes is too long");
            byte[] bytes = new byte[(int) len];
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, at, bytes, 0, (int) len);
            return new String(bytes, StandardCharsets.UTF_8);
        }

        GgufValue value(GgufValueType type, String key, int depth) throws GgufFormatException {
            return switch (type) {
                case UINT8 -> GgufValue.of(type, seg.get(ValueLayout.JAVA_BYTE, need(1, key)) & 0xff);
                case INT8 -> GgufValue.of(type, (int) seg.get(ValueLayout.JAVA_BYTE, need(1, key)));
                case UINT16 -> GgufValue.of(type, seg.get(I16, need(2, key)) & 0xffff);
                case INT16 -> GgufValue.of(type, (int) seg.get(I16, need(2, key)));
                case UINT32 -> GgufValue.of(type, seg.get(I32, need(4, key)) & 0xffffffffL);
                case INT32 -> GgufValue.of(type, seg.get(I32, need(4, key)));
                case UINT64, INT64 -> GgufValue.of(type, seg.get(I64, need(8, key)));
                case FLOAT32 -> GgufValue.of(type, seg.get(F32, need(4, key)));
                case FLOAT64 -> GgufValue.of(type, seg.get(F64, need(8, key)));
                case BOOL -> {
                    byte b = seg.get(ValueLayout.JAVA_BYTE, need(1, key));
                    if (b != 0 && b != 1) throw error(pos - 1, key, "bool value " + b + " (must be 0 or 1)");
                    yield GgufValue.of(type, b == 1);
                }
                case STRING -> GgufValue.of(type, string(key));
                case ARRAY -> array(key, depth);
            };
        }

        private GgufValue array(String key, int depth) throws GgufFormatException {
            if (depth >= MAX_DEPTH) throw error(pos, key, "arrays nested deeper than " + MAX_DEPTH);
            GgufValueType et = valueType(key + " element type");
            long n = u64(key + " array length");
            long minElem = et.width > 0 ? et.width : (et == GgufValueType.STRING ? 8 : 12);
            if (n > remaining() / minElem || n > Integer.MAX_VALUE - 8)
                throw error(pos - 8, key, "array of " + n + " " + et + " cannot fit in the remaining " + remaining() + " bytes");
            int len = (int) n;
            switch (et) {
                case UINT8, INT8 -> {
                    byte[] a = new byte[len];
                    MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, need(len, key), a, 0, len);
                    return GgufValue.array(et, a);
                }
                case BOOL -> {
                    long at = need(len, key);
                    boolean[] a = new boolean[len];
                    for (int i = 0; i < len; i++) {
                        byte b = seg.get(ValueLayout.JAVA_BYTE, at + i);
                        if (b != 0 && b != 1) throw error(at + i, key + "[" + i + "]", "bool value " + b + " (must be 0 or 1)");
                        a[i] = b == 1;
                    }
                    return GgufValue.array(et, a);
                }
                case UINT16, INT16 -> {
                    short[] a = new short[len];
                    MemorySegment.copy(seg, I16, need(2L * len, key), a, 0, len);
                    return GgufValue.array(et, a);
                }
                case UINT32, INT32 -> {
                    int[] a = new int[len];
                    MemorySegment.copy(seg, I32, need(4L * len, key), a, 0, len);
                    return GgufValue.array(et, a);
                }
                case UINT64, INT64 -> {
                    long[] a = new long[len];
                    MemorySegment.copy(seg, I64, need(8L * len, key), a, 0, len);
                    return GgufValue.array(et, a);
                }
                case FLOAT32 -> {
                    float[] a = new float[len];
                    MemorySegment.copy(seg, F32, need(4L * len, key), a, 0, len);
                    return GgufValue.array(et, a);
                }
                case FLOAT64 -> {
                    double[] a = new double[len];
                    MemorySegment.copy(seg, F64, need(8L * len, key), a, 0, len);
                    return GgufValue.array(et, a);
                }
                case STRING -> {
                    String[] a = new String[len];
                    for (int i = 0; i < len; i++) a[i] = string(key + "[" + i + "]");
                    return GgufValue.array(et, a);
                }
                case ARRAY -> {
                    GgufValue[] a = new GgufValue[len];
                    for (int i = 0; i < len; i++) a[i] = array(key + "[" + i + "]", depth + 1);
                    return GgufValue.array(et, a);
                }
                default -> throw new AssertionError(et);
            }
        }
    }
}
