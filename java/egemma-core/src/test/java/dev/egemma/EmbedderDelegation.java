// SPDX-License-Identifier: Apache-2.0
package dev.egemma;

import dev.egemma.kernels.Kernels;
import dev.egemma.model.ModelWeights;

/** Test access to {@link Embedder}'s delegation warning. */
public final class EmbedderDelegation {
    private EmbedderDelegation() {}

    public static String warning(Kernels k, ModelWeights w) {
        return Embedder.delegationWarning(k, w);
    }
}
