// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import dev.egemma.kernels.Activations;

/** Activations kept in F32, for F32/F16/BF16 weights (computed in F32). */
record FloatRows(float[] a, int rows, int cols) implements Activations {
}
