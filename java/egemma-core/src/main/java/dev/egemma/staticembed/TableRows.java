// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import dev.egemma.gguf.Dequantizer;
import dev.egemma.gguf.GgufTensor;

/** The rows of {@code token_embd.weight}, dequantized on the fly (any type the {@link Dequantizer} reads). */
final class TableRows implements RowSource {
    private final GgufTensor t;
    private final int rows, dim;

    TableRows(GgufTensor t) {
        if (t.shape().length != 2) throw new IllegalArgumentException(t.name() + " is not a matrix");
        if (!t.hasKnownType() || !Dequantizer.supports(t.type()))
            throw new IllegalArgumentException(t.name() + ": cannot dequantize type " + t.typeName());
        if (t.rows() > Integer.MAX_VALUE - 8 || t.rowLength() > Emb8File.MAX_DIM)
            throw new IllegalArgumentException(t.name() + ": shape " + java.util.Arrays.toString(t.shape()) + " is too large");
        this.t = t;
        this.rows = (int) t.rows();
        this.dim = (int) t.rowLength();
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public void row(int i, float[] dst) {
        Dequantizer.dequantize(t.name(), t.type(), t.data(), i * t.rowBytes(), dst, 0, dim);
    }
}
