package dev.egemma.staticembed;

import java.util.Objects;

/**
 * A distilled table before quantization: the PCA mean ({@code D}), the components ({@code k x D}, orthonormal
 * rows) and one {@code k}-wide row per vocabulary token (projected, then frequency weighted if asked).
 * Tests compare these float rows with the teacher (quantization off); {@link Emb8Writer} quantizes them.
 */
public record Distilled(float[] mean, float[][] components, float[][] rows) {
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

    public int vocabSize() {
        return rows.length;
    }

    public int embedDim() {
        return components.length;
    }

    public int originalDim() {
        return mean.length;
    }
}
