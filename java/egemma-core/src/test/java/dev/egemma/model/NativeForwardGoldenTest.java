// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.egemma.Q8Order;
import dev.egemma.gguf.GgufFile;
import dev.egemma.kernels.KernelProvider;
import dev.egemma.kernels.Kernels;
import dev.egemma.kernels.ffm.BlockOrderKernels;
import dev.egemma.kernels.ffm.EgemmaBinding;
import dev.egemma.kernels.ffm.Isa;
import dev.egemma.kernels.ffm.NativeKernels;
import dev.egemma.kernels.ffm.NativeTestSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The forward pass on the native backend ({@link NativeKernels}), every usable tier forced through the cap, the Q8_0
 * model in both {@link Q8Order}s, against llama.cpp's golden embeddings and against the Java backend on the same
 * texts (normalized embeddings):
 * <ul>
 * <li>F32: within 1e-4 of llama.cpp and 1e-5 of the Java backend on every text;</li>
 * <li>Q8_0 in the x86 order on the x86 tiers (scalar, AVX2, AVX-512, AMX): their product is llama.cpp's x86 order
 * bit for bit, as the Java backend's in that order is, so within {@value #Q8_VS_LLAMA} of llama.cpp (the bound of
 * {@link ForwardGoldenTest}) and the Java backend's bits in the x86 order;</li>
 * <li>Q8_0 summed per block (the block order on every tier, NEON in either order): within {@value #Q8_BLOCK_ORDER} of
 * llama.cpp on every text (on these 64-wide synthetic models another float order moves an activation across a Q8_0
 * rounding boundary on a few texts; that one int8 step then moves outputs by 2-4e-3), the Java backend's bits in the
 * block order, and bit for bit the forward pass of {@link BlockOrderKernels} (the Java kernels with the block-order
 * product written from the header's definition): every other native kernel computes the Java kernels' bits, so
 * nothing else may differ.</li>
 * </ul>
 */
class NativeForwardGoldenTest {

    static final double Q8_VS_LLAMA = 2e-3;
    static final double Q8_BLOCK_ORDER = 5e-3;

    /** The block-order expectation of each Q8_0 model, computed once (its scalar product is slow). */
    private static final Map<String, float[][]> BLOCK_ORDER_EXPECTED = new ConcurrentHashMap<>();

    static Stream<Arguments> cases() {
        List<Arguments> a = new ArrayList<>();
        for (Isa tier : NativeTestSupport.requireNative().binding().caps()) {
            for (String model : List.of("small-f32", "small-dense-f32")) a.add(Arguments.of(model, tier, Q8Order.BLOCK)); // no Q8_0 product: the default
            for (Q8Order order : Q8Order.values()) a.add(Arguments.of("small-dense-q8_0", tier, order));
        }
        return a.stream();
    }

    @AfterAll
    static void restoreBestTier() {
        NativeTestSupport.restoreBestTier();
    }

    @ParameterizedTest(name = "{0} on {1}, {2} order")
    @MethodSource("cases")
    void nativeMatchesLlamaCppAndTheJavaBackend(String model, Isa tier, Q8Order order) throws Exception {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        assertEquals(tier, b.setIsaLimit(tier));
        Golden g = Golden.load(model);
        boolean q8 = model.endsWith("q8_0");
        boolean exactOrder = NativeTestSupport.llamaCppExact(tier, order);
        double maxAbs = q8 ? (exactOrder ? Q8_VS_LLAMA : Q8_BLOCK_ORDER) : 1e-4, vsJava = q8 ? 0 : 1e-5;
        try (GgufFile f = GgufFile.open(g.model()); WorkerPool pool = new WorkerPool(2)) {
            ModelWeights w = ModelWeights.bind(f, ModelConfig.from(f));
            List<int[]> texts = g.items().stream().map(Golden.Item::tokens).toList();
            Kernels jk = KernelProvider.javaKernels(exactOrder ? Q8Order.X86 : Q8Order.BLOCK); // the order that runs natively
            float[][] jav = new EmbeddingGemma(w, jk, pool).forward(texts, null);
            NativeKernels nk = new NativeKernels(b, jk, order);
            float[][] nat = new EmbeddingGemma(w, nk, pool).forward(texts, null);
            if (q8) assertTrue(nk.packedBytes() > 0, "the Q8_0 products must have run natively");
            if (q8 && NativeTestSupport.blockOrder(tier, order)) {
                float[][] expected = BLOCK_ORDER_EXPECTED.computeIfAbsent(model,
                        m -> new EmbeddingGemma(w, new BlockOrderKernels(jk), pool).forward(texts, null));
                for (int i = 0; i < texts.size(); i++)
                    assertArrayEquals(expected[i], nat[i], model + " " + tier + " " + order + " text " + i + ": not the block-order forward pass");
            }
            double worstGolden = 0, worstJava = 0;
            int within = 0;
            for (int i = 0; i < g.items().size(); i++) {
                float[] e = nat[i].clone(), ej = jav[i].clone();
                jk.l2Normalize(e, 0, e.length);
                jk.l2Normalize(ej, 0, ej.length);
                float[] want = g.items().get(i).embedding();
                assertEquals(want.length, e.length);
                double ag = 0, aj = 0;
                for (int j = 0; j < e.length; j++) {
                    ag = Math.max(ag, Math.abs(e[j] - want[j]));
                    aj = Math.max(aj, Math.abs(e[j] - ej[j]));
                }
                assertTrue(ag <= maxAbs, model + " " + tier + " text " + i + ": max abs diff to llama.cpp " + ag);
                if (q8) assertArrayEquals(jav[i], nat[i], model + " " + tier + " " + order + " text " + i + ": not the Java backend's bits (" + jk.name() + ")");
                else assertTrue(aj <= vsJava, model + " " + tier + " text " + i + ": max abs diff to the Java backend " + aj);
                if (aj <= vsJava) within++;
                worstGolden = Math.max(worstGolden, ag);
                worstJava = Math.max(worstJava, aj);
            }
            System.out.printf("native %s %s: max abs vs llama.cpp %.3g, vs Java backend %.3g (%d of %d texts within %.0g)%n", model,
                    nk.name(), worstGolden, worstJava, within, texts.size(), vsJava);
        }
    }
}
