// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

/** Which of the EMB8 layouts a file has (see {@link Emb8Layout} for each field). */
public enum Emb8Format {
    /** Version 1 as the original prep tool writes it: header, mean, scales, rows; the tokenizer comes from elsewhere. */
    V1_ORIGINAL(1, false),
    /** Version 2, egemma's own: header, mean, PCA components, scales, rows, tokenizer GGUF. */
    V2(2, true),
    /**
     * What earlier egemma builds wrote: the version 2 layout under version number 1. Told from {@link #V1_ORIGINAL} by
     * its length (longer than the original layout's) and a GGUF magic where its tokenizer starts;
     * {@code egemma static-upgrade} rewrites it as {@link #V2}.
     */
    V1_EGEMMA_LEGACY(1, true);

    /** The number in the header's version field. */
    public final int version;
    /** Whether the file holds PCA components and a tokenizer (egemma's layout). */
    public final boolean egemmaLayout;

    Emb8Format(int version, boolean egemmaLayout) {
        this.version = version;
        this.egemmaLayout = egemmaLayout;
    }
}
