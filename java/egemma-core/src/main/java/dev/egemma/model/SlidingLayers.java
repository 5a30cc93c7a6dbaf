// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufValue;
import dev.egemma.gguf.GgufValueType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Which layers use the sliding window, from {@code <prefix>attention.sliding_window_pattern} as llama.cpp's
 * {@code load_swa_pattern} reads it: a per-layer array (bool, or 32-bit integers, non-zero = sliding; Ollama's blobs
 * write bools) or a period {@code n} (layer {@code il} slides iff {@code il % n < n - 1}; {@code n = 0}: every layer
 * slides), by default period {@value #DEFAULT_PERIOD}, EmbeddingGemma's five sliding layers then one global.
 */
final class SlidingLayers {
    static final int DEFAULT_PERIOD = 6;

    private SlidingLayers() {}

    /** One entry per layer, true = sliding window; throws IllegalArgumentException naming the key for bad values. */
    static List<Boolean> read(GgufFile f, String key, int nLayer) {
        if (!f.has(key)) return period(DEFAULT_PERIOD, nLayer);
        GgufValue v = f.value(key);
        Object a = v.value();
        if (a instanceof boolean[] || a instanceof int[]) {
            // llama.cpp would leave the layers past a short array at their defaults; a length that disagrees with
            // block_count more likely means a mislabelled file, so it is refused instead of guessed at.
            if (v.length() != nLayer)
                throw new IllegalArgumentException(f.path() + ": " + key + " has " + v.length() + " entries, block_count is " + nLayer);
            List<Boolean> sliding = new ArrayList<>(nLayer);
            for (int il = 0; il < nLayer; il++) sliding.add(a instanceof boolean[] b ? b[il] : ((int[]) a)[il] != 0);
            return Collections.unmodifiableList(sliding);
        }
        if (a instanceof Integer || a instanceof Long) {
            long n = f.getLong(key);
            if (n < 0 || n > Integer.MAX_VALUE)
                throw new IllegalArgumentException(f.path() + ": " + key + " = " + n + " is not a layer period");
            return period((int) n, nLayer);
        }
        throw new IllegalArgumentException(f.path() + ": " + key + " is " + (v.type() == GgufValueType.ARRAY ? "" : v.type() + " ") + v + ", expected a layer period or a per-layer array of bools");
    }

    private static List<Boolean> period(int n, int nLayer) {
        List<Boolean> sliding = new ArrayList<>(nLayer);
        for (int il = 0; il < nLayer; il++) sliding.add(n == 0 || il % n < n - 1);
        return Collections.unmodifiableList(sliding);
    }
}
