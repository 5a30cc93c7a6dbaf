// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufValueType;
import dev.egemma.gguf.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/** sliding_window_pattern in its three forms, and the RoPE base of the sliding layers. */
class SlidingLayersTest {
    @TempDir Path dir;
    private static final String PATTERN = "gemma3.attention.sliding_window_pattern";

    private ModelConfig ollama(Consumer<GgufWriter> edit) throws Exception {
        try (GgufFile f = GgufFile.open(GgufVariants.ollama(dir, "m.gguf", edit))) {
            return ModelConfig.from(f);
        }
    }

    private static List<Boolean> sliding(ModelConfig c) {
        return java.util.stream.IntStream.range(0, c.nLayer()).mapToObj(c::isSliding).toList();
    }

    @Test
    void defaultIsFiveSlidingThenOneGlobal() throws Exception {
        assertEquals(List.of(true, true, true, true, true, false), sliding(ollama(w -> {})));
    }

    @Test
    void perLayerBoolArrayDecidesEachLayer() throws Exception {
        ModelConfig c = ollama(w -> w.putArray(PATTERN, GgufValueType.BOOL, new boolean[] {false, true, true, false, true, true})
                .putF32("gemma3.rope.freq_base", 1e6f));
        assertEquals(List.of(false, true, true, false, true, true), sliding(c));
        assertEquals(1e6f, c.ropeBase(0));
        assertEquals(10_000f, c.ropeBase(1));
        assertEquals(1e6f, c.ropeBase(3));
        // llama.cpp also reads 32-bit integer arrays, non-zero = sliding
        ModelConfig ints = ollama(w -> w.putArray(PATTERN, GgufValueType.INT32, new int[] {1, 0, 0, 1, 1, 1}));
        assertEquals(List.of(true, false, false, true, true, true), sliding(ints));
    }

    @Test
    void aNumberIsThePeriod() throws Exception {
        assertEquals(List.of(true, true, false, true, true, false), sliding(ollama(w -> w.putU32(PATTERN, 3))));
        assertEquals(List.of(true, true, true, true, true, false), sliding(ollama(w -> w.putI32(PATTERN, 6))));
        // as llama.cpp's set_swa_pattern: period 0 slides everywhere, period 1 nowhere
        assertEquals(List.of(true, true, true, true, true, true), sliding(ollama(w -> w.putU32(PATTERN, 0))));
        assertEquals(List.of(false, false, false, false, false, false), sliding(ollama(w -> w.putU32(PATTERN, 1))));
    }

    @Test
    void badPatternsAreRefusedNamingTheKey() throws Exception {
        String shortArray = ModelLayoutTest.refusal(GgufVariants.ollama(dir, "short.gguf",
                w -> w.putArray(PATTERN, GgufValueType.BOOL, new boolean[] {true, true, true, true, false})));
        assertTrue(shortArray.endsWith(PATTERN + " has 5 entries, block_count is 6"), shortArray);
        String floats = ModelLayoutTest.refusal(GgufVariants.ollama(dir, "floats.gguf",
                w -> w.putArray(PATTERN, GgufValueType.FLOAT32, new float[6])));
        assertTrue(floats.endsWith(PATTERN + " is [FLOAT32 x 6], expected a layer period or a per-layer array of bools"), floats);
        String negative = ModelLayoutTest.refusal(GgufVariants.ollama(dir, "neg.gguf", w -> w.putI32(PATTERN, -6)));
        assertTrue(negative.endsWith(PATTERN + " = -6 is not a layer period"), negative);
        String text = ModelLayoutTest.refusal(GgufVariants.ollama(dir, "str.gguf", w -> w.putString(PATTERN, "6")));
        assertTrue(text.endsWith(PATTERN + " is STRING \"6\", expected a layer period or a per-layer array of bools"), text);
    }

    @Test
    void slidingRopeBaseFromEitherKeyLlamaCppsFirst() throws Exception {
        assertEquals(10_000f, ollama(w -> {}).ropeFreqBaseSwa());
        assertEquals(5_000f, ollama(w -> w.putF32("gemma3.rope.local.freq_base", 5_000f)).ropeFreqBaseSwa());
        assertEquals(7_000f, ollama(w -> w.putF32("gemma3.rope.freq_base_swa", 7_000f)).ropeFreqBaseSwa());
        ModelConfig both = ollama(w -> w.putF32("gemma3.rope.freq_base_swa", 7_000f).putF32("gemma3.rope.local.freq_base", 5_000f));
        assertEquals(7_000f, both.ropeFreqBaseSwa());
        assertEquals(7_000f, both.ropeBase(0));
        assertEquals(both.ropeFreqBase(), both.ropeBase(5));
    }
}
