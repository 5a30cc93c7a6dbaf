package dev.egemma.staticembed;

/**
 * Where each section of an EMB8 v1 file lives (all little-endian):
 * <pre>
 *  offset  size                          field
 *  0       4                             magic "EMB8"
 *  4       4                             u32 version = 1
 *  8       4                             u32 vocab_size     (V)
 *  12      4                             u32 embed_dim      (k)
 *  16      4                             u32 original_dim   (D)
 *  20      12                            reserved, zero
 *  32      4 D                           PCA mean, f32
 *  ...     4 k D                         PCA components, f32, component c at [c D, (c+1) D)
 *  ...     4 V                           per-token scales, f32
 *  ...     V k                           quantized rows, int8, token t at [t k, (t+1) k)
 *  ...     rest of the file              tokenizer: a GGUF v3 image holding only the tokenizer.* keys
 * </pre>
 * Every f32 section starts at a multiple of 4 (the header is 32 bytes), so the file can be read in place.
 * The tokenizer is a GGUF image because {@code Tokenizer} is built from GGUF metadata: reusing the GGUF
 * reader keeps one validated parser for those keys instead of a second ad hoc encoding.
 */
record Emb8Layout(int vocabSize, int embedDim, int originalDim) {
    static final int MAGIC = 0x38424D45; // "EMB8" read as a little-endian u32
    static final int VERSION = 1;
    static final int HEADER_BYTES = 32;

    long meanOffset() {
        return HEADER_BYTES;
    }

    long componentsOffset() {
        return meanOffset() + 4L * originalDim;
    }

    long scalesOffset() {
        return componentsOffset() + 4L * embedDim * originalDim;
    }

    long rowsOffset() {
        return scalesOffset() + 4L * vocabSize;
    }

    long tokenizerOffset() {
        return rowsOffset() + (long) vocabSize * embedDim;
    }
}
