// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

/**
 * Where each section of an EMB8 file lives. All values little-endian; every f32 section starts at a multiple of 4
 * (the header is 32 bytes), so the file can be read in place.
 *
 * <p>The header, the same in every version:
 * <pre>
 *  offset  size  field
 *  0       4     magic "EMB8"
 *  4       4     u32 version: 1 (the original prep tool's layout) or 2 (egemma's)
 *  8       4     u32 vocab_size     (V)
 *  12      4     u32 embed_dim      (k), 1..D
 *  16      4     u32 original_dim   (D), 1..2^20
 *  20      12    reserved, zero
 * </pre>
 * Version 1, the original prep tool's layout (the file ends after the rows; its tokenizer is given beside it):
 * <pre>
 *  32      4 D   PCA mean, f32
 *  ...     4 V   per-token scales, f32
 *  ...     V k   quantized rows, int8, token t at [t k, (t+1) k)
 * </pre>
 * Version 2, egemma's layout (self-contained: the projection for teacher vectors and the tokenizer travel with it):
 * <pre>
 *  32      4 D   PCA mean, f32
 *  ...     4 k D PCA components, f32, component c at [c D, (c+1) D)
 *  ...     4 V   per-token scales, f32
 *  ...     V k   quantized rows, int8, token t at [t k, (t+1) k)
 *  ...     rest  tokenizer: a GGUF v3 image holding only the tokenizer.* keys
 * </pre>
 * The tokenizer is a GGUF image because {@code Tokenizer} is built from GGUF metadata: reusing the GGUF reader keeps
 * one validated parser for those keys instead of a second ad hoc encoding. Earlier egemma builds wrote the version 2
 * layout with version number 1 ({@link Emb8Format#V1_EGEMMA_LEGACY}); a version 1 file is read as the original layout
 * when its length is exactly the original layout's (such a file cannot hold a legacy tokenizer, which would start
 * after that length), and as a legacy file when it is longer and a GGUF magic sits where the legacy tokenizer starts.
 */
record Emb8Layout(Emb8Format format, int vocabSize, int embedDim, int originalDim) {
    static final int MAGIC = 0x38424D45; // "EMB8" read as a little-endian u32
    static final int HEADER_BYTES = 32;
    static final int VERSION_OFFSET = 4;

    long meanOffset() {
        return HEADER_BYTES;
    }

    /** Where the components start; only meaningful when {@link #hasComponents()}. */
    long componentsOffset() {
        return meanOffset() + 4L * originalDim;
    }

    boolean hasComponents() {
        return format.egemmaLayout;
    }

    long scalesOffset() {
        return componentsOffset() + (hasComponents() ? 4L * embedDim * originalDim : 0);
    }

    long rowsOffset() {
        return scalesOffset() + 4L * vocabSize;
    }

    /** The end of the rows: the file's length in version 1, where the tokenizer starts in version 2. */
    long tablesEnd() {
        return rowsOffset() + (long) vocabSize * embedDim;
    }
}
