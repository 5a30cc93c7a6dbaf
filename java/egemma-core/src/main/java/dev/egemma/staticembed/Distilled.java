// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import java.util.Objects;

/**
 * A distilled table before quantization: the PCA mean ({@code D}), the components ({@code k x D}, orthonormal
 * rows) and one {@code k}-wide row per vocabulary token (projected, then frequency weighted if asked).
 * Tests compare these float rows with the teacher (quantization off); {@link Emb8Writer} quantizes them.
 *
 * @param mean       the PCA mean of the teacher's rows, one value per original dimension
 * @param components the PCA components, {@code k} orthonormal rows of the original width
 * @param rows       one {@code k}-wide row per vocabulary token, by token id
 */
public record Distilled(float[] mean, float[][] components, float[][] rows) {
    /**
     * Checks the shapes.
     *
     * @throws NullPointerException     if an array is null
     * @throws IllegalArgumentException if there are no components or rows, or the widths disagree
     */
    public Distilled {
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(components, "components");
        Objects.requireNonNull(rows, "rows");
        if (components.length == 0 || rows.length == 0) throw new IllegalArgumentException("empty table");
        for (float[] c : components)
            if (c.length != mean.length) throw new IllegalArgumentException("component width " + c.length + " != original dim " + mean.length);
        for (float[] r : rows)
            if (r.length != components.length) throw new IllegalArgumentException("row width " + r.length + " != embed dim " + components.length);
    }

    /**
     * Number of tokens in the table.
     *
     * @return {@code rows.length}
     */
    public int vocabSize() {
        return rows.length;
    }

    /**
     * Width of the distilled vectors.
     *
     * @return {@code k}, the number of components
     */
    public int embedDim() {
        return components.length;
    }

    /**
     * Width of the teacher's vectors.
     *
     * @return the length of {@link #mean()}
     */
    public int originalDim() {
        return mean.length;
    }
}
