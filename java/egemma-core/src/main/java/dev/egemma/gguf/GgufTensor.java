// SPDX-License-Identifier: Apache-2.0
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
 *
 * @param name     the tensor's name, e.g. {@code blk.0.attn_q.weight}
 * @param type     its type; null when {@code typeId} is one ggml does not define
 * @param shape    dimensions in ggml order, {@code shape[0]} contiguous (1 to {@link GgufFile#MAX_DIMS} of them)
 * @param offset   offset of its data from the start of the data section, in bytes
 * @param byteSize size of its data in bytes; -1 for an unknown type
 * @param data     read-only slice of the mapping holding the data; null for an unknown type
 * @param typeId   the type id as the file gives it
 */
public record GgufTensor(String name, GgmlType type, long[] shape, long offset, long byteSize, MemorySegment data, int typeId) {

    /**
     * Checks that {@code type}, {@code typeId} and {@code data} agree.
     *
     * @throws NullPointerException     if {@code name} is null, or {@code data} is null for a known type
     * @throws IllegalArgumentException if {@code typeId} is not {@code type}'s id, or an unknown type has a known id or data
     */
    public GgufTensor {
        Objects.requireNonNull(name, "name");
        if (type != null) {
            Objects.requireNonNull(data, "data");
            if (typeId != type.id) throw new IllegalArgumentException(name + ": type id " + typeId + " is not " + type + "'s id " + type.id);
        } else if (GgmlType.byId(typeId) != null || data != null) {
            throw new IllegalArgumentException(name + ": a tensor of unknown type needs an unknown id and no data, got id " + typeId);
        }
    }

    /**
     * A tensor of a known type.
     *
     * @param name     the tensor's name
     * @param type     its type, not null
     * @param shape    dimensions in ggml order
     * @param offset   offset of its data from the start of the data section, in bytes
     * @param byteSize size of its data in bytes
     * @param data     the data, in {@code type}'s encoding
     */
    public GgufTensor(String name, GgmlType type, long[] shape, long offset, long byteSize, MemorySegment data) {
        this(name, Objects.requireNonNull(type, "type"), shape, offset, byteSize, data, type.id);
    }

    /**
     * A listed tensor whose type id ggml does not define: no type, no size, no data.
     *
     * @param name   the tensor's name
     * @param typeId the type id as the file gives it
     * @param shape  dimensions in ggml order
     * @param offset offset of its data from the start of the data section, in bytes
     * @return a tensor whose {@link #hasKnownType()} is false
     */
    public static GgufTensor ofUnknownType(String name, int typeId, long[] shape, long offset) {
        return new GgufTensor(name, null, shape, offset, -1, null, typeId);
    }

    /**
     * False when the file gave a type id that ggml does not define.
     *
     * @return true when {@link #type()} and the data can be read
     */
    public boolean hasKnownType() {
        return type != null;
    }

    /**
     * The type's name, or {@code type#<id>} for an unknown id: for listings and messages.
     *
     * @return e.g. {@code Q8_0}, or {@code type#99}
     */
    public String typeName() {
        return type != null ? type.name() : "type#" + typeId;
    }

    /**
     * The tensor's ggml type.
     *
     * @return the type, never null
     * @throws UnsupportedOperationException if the file gave an unknown type id
     */
    public GgmlType type() {
        return known().type;
    }

    /**
     * The tensor's bytes in its type's encoding: a read-only slice of the mapping, valid until the file is closed.
     *
     * @return {@link #byteSize()} bytes
     * @throws UnsupportedOperationException if the file gave an unknown type id
     */
    public MemorySegment data() {
        return known().data;
    }

    /**
     * Size of the tensor's data.
     *
     * @return the size in bytes, from the type and the shape
     * @throws UnsupportedOperationException if the file gave an unknown type id
     */
    public long byteSize() {
        return known().byteSize;
    }

    /**
     * Number of values in the tensor.
     *
     * @return the product of {@link #shape()}
     */
    public long elementCount() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /**
     * Elements per row (ne0).
     *
     * @return {@code shape[0]}
     */
    public long rowLength() {
        return shape[0];
    }

    /**
     * Number of rows (product of ne1..).
     *
     * @return {@link #elementCount()} / {@link #rowLength()}; 1 for a vector
     */
    public long rows() {
        return elementCount() / shape[0];
    }

    /**
     * Bytes of one row.
     *
     * @return {@code type().byteSize(rowLength())}
     * @throws UnsupportedOperationException if the file gave an unknown type id
     */
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
