// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

import dev.egemma.gguf.GgmlType;
import dev.egemma.gguf.GgufFile;
import dev.egemma.kernels.KernelProvider;
import dev.egemma.kernels.Kernels;
import dev.egemma.kernels.ffm.EgemmaBinding;
import dev.egemma.kernels.ffm.Isa;
import dev.egemma.kernels.ffm.NativeKernels;
import dev.egemma.kernels.ffm.NativeTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every weight type of the contract runs in libegemma, on every tier, with the Java backend's bits (the block order, the
 * default, Q8_0 included): the files llama.cpp's
 * own quantizer wrote ({@code testdata/golden-quant}: 15 file types, each a mix of per-tensor types; {@code
 * golden-quant-512}: a second shape, with more super-blocks per row) embed to identical vectors on the native backend
 * (each usable tier) and on the Java kernels. Nothing is delegated to the Java kernels any more, and the warning that
 * would list delegated types is absent. Packing unloads the file pages of the tensors it read; the Java kernels read
 * them again afterwards with the same result.
 */
class NativeQuantParityTest {

    static final List<String> FILES = List.of("q256-q8_0", "q256-f16", "q256-bf16", "q256-q4_0", "q256-q4_1", "q256-q5_0", "q256-q5_1",
            "q256-iq4_nl", "q256-q2_k", "q256-q3_k_m", "q256-q4_k_s", "q256-q4_k_m", "q256-q5_k_m", "q256-q6_k", "q256-iq4_xs");
    static final List<String> FILES_512 = List.of("q512-q4_0", "q512-q5_1", "q512-q3_k_m", "q512-q4_k_m", "q512-q6_k", "q512-iq4_xs");

    static Stream<Arguments> cases() {
        List<Arguments> a = new ArrayList<>();
        for (Isa tier : NativeTestSupport.requireNative().binding().caps()) {
            for (String f : FILES) a.add(Arguments.of("golden-quant", f, tier));
            for (String f : FILES_512) a.add(Arguments.of("golden-quant-512", f, tier));
        }
        return a.stream();
    }

    /** The Java backend's vectors per file, computed once for all tiers. */
    private static final java.util.Map<String, float[][]> JAVA = new java.util.concurrent.ConcurrentHashMap<>();

    @AfterAll
    static void restoreBestTier() {
        NativeTestSupport.restoreBestTier();
    }

    @ParameterizedTest(name = "{1} on {2}")
    @MethodSource("cases")
    void everyTypeRunsNativeWithTheJavaBackendsBits(String dir, String name, Isa tier) throws Exception {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        assertEquals(tier, b.setIsaLimit(tier));
        Golden g = Golden.load(dir, name);
        try (GgufFile f = GgufFile.open(g.model()); WorkerPool pool = new WorkerPool(2)) {
            ModelWeights w = ModelWeights.bind(f, ModelConfig.from(f));
            Kernels jk = KernelProvider.javaKernels();
            NativeKernels nk = new NativeKernels(b, jk); // the default order: the block order, Q8_0 included
            assertEquals(java.util.Set.of(), nk.delegatedTypes(w.matrixTypes()), name + ": delegated types");
            assertEquals(null, dev.egemma.EmbedderDelegation.warning(nk, w));
            List<int[]> texts = g.items().stream().map(Golden.Item::tokens).toList();
            // the scalar tier (naive loops, also covered by the C tests on awkward sizes) on the first texts only
            if (tier == Isa.SCALAR) texts = texts.subList(0, 4);
            float[][] jav = JAVA.computeIfAbsent(dir + "/" + name,
                    key -> new EmbeddingGemma(w, jk, pool).forward(g.items().stream().map(Golden.Item::tokens).toList(), null));
            float[][] nat = new EmbeddingGemma(w, nk, pool).forward(texts, null);
            for (int i = 0; i < texts.size(); i++) assertArrayEquals(jav[i], nat[i], name + " " + tier + " text " + i);
            // packing unloaded the mapped tensors' pages: the Java kernels read them again, faulted back in, unchanged
            assertArrayEquals(jav[0], new EmbeddingGemma(w, jk, pool).forward(texts.subList(0, 1), null)[0], name + ": Java after unload");
            boolean quantized = w.matrixTypes().stream().anyMatch(t -> t != GgmlType.F32 && t != GgmlType.F16 && t != GgmlType.BF16);
            assertEquals(quantized, nk.packedBytes() > 0, name + ": quantized products on libegemma's packed weights");
            assertTrue(texts.size() >= 4, name + ": texts");
        }
    }
}
