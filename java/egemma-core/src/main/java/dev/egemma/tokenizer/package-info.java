// SPDX-License-Identifier: Apache-2.0
/**
 * llama.cpp-exact SentencePiece tokenization for GGUF vocabularies ({@code tokenizer.ggml.model = "llama"}),
 * such as EmbeddingGemma's Gemma 3 vocabulary.
 *
 * <p>{@link dev.egemma.tokenizer.Tokenizer} is the entry point: build it with
 * {@link dev.egemma.tokenizer.Tokenizer#fromGguf}, then {@code encode}/{@code decode}. The algorithm
 * (special-token partition, score-ordered pair merging, byte fallback) follows llama.cpp's
 * {@code llm_tokenizer_spm_session} and {@code tokenizer_st_partition}; the tests compare it id for id
 * with llama.cpp's output recorded in {@code testdata/}.
 */
package dev.egemma.tokenizer;
