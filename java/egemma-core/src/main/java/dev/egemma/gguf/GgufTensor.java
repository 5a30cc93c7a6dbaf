package dev.egemma.gguf;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A tensor of a mapped GGUF file. {@code shape} is in ggml order: shape[0] (ne0) is the contiguous
 * dimension, i.e. the input dimension of a weight matrix; a row is {@code shape[0]} elements.
 * {@code data} is a read-only slice of the mapping (no copy).
 */
public record GgufTensor(String name, GgmlType type, long[] shape, long offset, long byteSize, MemorySegment data) {

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
        return type.byteSize(shape[0]);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
