// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels;

/**
 * Rows of activations prepared by a {@link Kernels} backend for matrix products against weights of one type:
 * for Q8_0 weights they are quantized to Q8_0 (as ggml does) once, then shared by every tile of the product.
 * Each backend reads only the activations it prepared itself.
 */
public interface Activations {
    /** Number of rows (tokens). */
    int rows();

    /** Row length. */
    int cols();
}
