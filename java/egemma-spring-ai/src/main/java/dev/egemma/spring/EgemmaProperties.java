// SPDX-License-Identifier: Apache-2.0
package dev.egemma.spring;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.nio.file.Path;

/**
 * {@code egemma.*} settings.
 *
 * @param modelPath  the EmbeddingGemma GGUF file (required: without it no beans are made)
 * @param threads    compute threads; 0 or unset for all available processors
 * @param dimensions default Matryoshka output width (768, 512, 256, 128, ...; a call may ask another with
 *                   {@link EgemmaEmbeddingOptions}); 0 or unset for the model's full width
 * @param task       default prompt for embedded texts: document (default), query, none, or any egemma task id
 * @param backend    kernels: auto (default), native or java
 * @param q8Order    ({@code egemma.q8-order}) Q8_0 product order, on both backends: block (the same bits on every tier and
 *                   backend, fastest) or llamacpp-x86 (llama.cpp's x86 bits where llama.cpp's own order allows, slower; old
 *                   name: x86); unset for the process default ({@code -Degemma.q8Order} / {@code EGEMMA_Q8_ORDER}, else block).
 */
@ConfigurationProperties("egemma")
public record EgemmaProperties(Path modelPath, Integer threads, Integer dimensions, String task, String backend, String q8Order) {
}
