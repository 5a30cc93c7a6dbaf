// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

import dev.egemma.kernels.WeightMatrix;

/** The tensors of one transformer block ({@code blk.N.*}); norm weights as stored (Gemma's +1 included). */
public record LayerWeights(
        float[] attnNorm,
        WeightMatrix wq,
        WeightMatrix wk,
        WeightMatrix wv,
        float[] qNorm,
        float[] kNorm,
        WeightMatrix wo,
        float[] postAttnNorm,
        float[] ffnNorm,
        WeightMatrix wGate,
        WeightMatrix wUp,
        WeightMatrix wDown,
        float[] postFfnNorm) {
}
