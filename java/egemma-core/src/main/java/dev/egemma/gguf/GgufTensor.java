package dev.egemma.gguf;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor of a mapped GGUF file. {@code shape} is in ggml order: shape[0] (ne0) is the contiguous
 * dimension, i.e. the input dimension of a weight matrix; a row is {@code shape[0]} elements.
 * {@code data} is a read-only slice of the mapping (no copy).
 *
 * <p>A tensor whose type id is not one ggml defines ({@link #hasKnownType()} false) is still listed, with
 * its name, shape, offset and raw {@link #typeId()}, so that the rest of the file stays usable: its byte
 * size cannot be known, so {@link #type()}, {@link #data()}, {@link #byteSize()} and {@link #rowBytes()}
 * throw an {@link UnsupportedOperationException} naming the tensor and the id. They throw rather than
 * return null so that no caller can mistake the tensor for an empty one or fail later with a bare NPE.
 */
public record GgufTensor(String name, GgmlType type, long[] shape, long offset, long byteSize, MemorySegment data, int typeId) {

    public GgufTensor {
        Objects.requireNonNull(name, "name");
        if (type != null) {
            Objects.requireNonNull(data, "data");
            if (typeId != type.id) throw new IllegalArgumentException(name + ": type id " + typeId + " is not " + type + "'s id " + type.id);
        } else if (GgmlType.byId(typeId) != null || data != null) {
            throw new IllegalArgumentException(name + ": a tensor of unknown type needs an unknown id and no data, got id " + typeId);
        }
    }

    /** A tensor of a known type. */
    public GgufTensor(String name, GgmlType type, long[] shape, long offset, long byteSize, MemorySegment data) {
        this(name, Objects.requireNonNull(type, "type"), shape, offset, byteSize, data, type.id);
    }

    /** A listed tensor whose type id ggml does not define: no type, no size, no data. */
    public static GgufTensor ofUnknownType(String name, int typeId, long[] shape, long offset) {
        return new GgufTensor(name, null, shape, offset, -1, null, typeId);
    }

    /** False when the file gave a type id that ggml does not define. */
    public boolean hasKnownType() {
        return type != null;
    }

    /** The type's name, or {@code type#<id>} for an unknown id: for listings and messages. */
    public String typeName() {
        return type != null ? type.name() : "type#" + typeId;
    }

    public GgmlType type() {
        return known().type;
    }

    public MemorySegment data() {
        return known().data;
    }

    public long byteSize() {
        return known().byteSize;
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** Elements per row (ne0). */
    public long rowLength() {
        return shape[0];
    }

    /** Number of rows (product of ne1..). */
    public long rows() {
        return elementCount() / shape[0];
    }

    /** Bytes of one row. */
    public long rowBytes() {
        return type().byteSize(shape[0]);
    }

    private GgufTensor known() {
        if (type == null)
            throw new UnsupportedOperationException(name + ": ggml type id " + typeId + " is not one this version of ggml defines, so the tensor's data cannot be read");
        return this;
    }

    @Override
    public String toString() {
        return name + " " + typeName() + " " + Arrays.toString(shape);
    }
}
