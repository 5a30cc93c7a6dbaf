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
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files with weight types libegemma has no kernel for yet run on the native backend: those products go to the Java
 * kernels, the rest (norms, attention, RoPE, pooling, the file's Q8_0/F16/BF16 matrices, and Q4_0, Q5_0 and IQ4_NL
 * through their Q8_0 expansion in the block order) run in C. Every native kernel computes the Java kernels' bits (the
 * block order, the default, for Q8_0 and the expansions on every tier), so the forward pass is the Java backend's bit for bit; and the backend names exactly the delegated types (what the one warning at open lists).
 */
class NativeDelegationTest {

    static Stream<Arguments> cases() {
        List<Arguments> a = new ArrayList<>();
        for (Isa tier : NativeTestSupport.requireNative().binding().caps())
            for (String f : List.of("q256-q4_k_m", "q256-q4_0", "q256-q5_0", "q256-iq4_nl", "q256-iq4_xs", "q256-q5_1", "q256-bf16"))
                a.add(Arguments.of(f, tier));
        return a.stream();
    }

    @AfterAll
    static void restoreBestTier() {
        NativeTestSupport.restoreBestTier();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void delegatedProductsGiveTheJavaBackendsBits(String name, Isa tier) throws Exception {
        EgemmaBinding b = NativeTestSupport.requireNative().binding();
        assertEquals(tier, b.setIsaLimit(tier));
        Golden g = Golden.load("golden-quant", name);
        try (GgufFile f = GgufFile.open(g.model()); WorkerPool pool = new WorkerPool(2)) {
            ModelWeights w = ModelWeights.bind(f, ModelConfig.from(f));
            Kernels jk = KernelProvider.javaKernels();
            NativeKernels nk = new NativeKernels(b, jk);
            EnumSet<GgmlType> expected = EnumSet.noneOf(GgmlType.class);
            EnumSet<GgmlType> inC = EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.IQ4_NL);
            for (GgmlType t : w.matrixTypes()) if (!inC.contains(t)) expected.add(t);
            assertEquals(expected, nk.delegatedTypes(w.matrixTypes()), name + ": delegated types");
            String warning = dev.egemma.EmbedderDelegation.warning(nk, w);
            if (expected.isEmpty()) assertEquals(null, warning);
            else for (GgmlType t : expected) assertTrue(warning.contains(t.name()), warning);
            List<int[]> texts = g.items().stream().map(Golden.Item::tokens).toList();
            float[][] jav = new EmbeddingGemma(w, jk, pool).forward(texts, null);
            float[][] nat = new EmbeddingGemma(w, nk, pool).forward(texts, null);
            for (int i = 0; i < texts.size(); i++) assertArrayEquals(jav[i], nat[i], name + " " + tier + " text " + i);
            boolean q8Gemm = w.matrixTypes().stream().anyMatch(t -> t == GgmlType.Q8_0 || t == GgmlType.Q4_0 || t == GgmlType.Q5_0 || t == GgmlType.IQ4_NL);
            assertEquals(q8Gemm, nk.packedBytes() > 0, name + ": products on libegemma's Q8_0 GEMM");
        }
    }
}
