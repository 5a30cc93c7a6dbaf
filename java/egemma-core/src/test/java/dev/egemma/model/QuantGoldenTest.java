package dev.egemma.model;

import dev.egemma.gguf.GgufFile;
import dev.egemma.kernels.Kernels;
import dev.egemma.kernels.java.ScalarKernels;
import dev.egemma.kernels.java.VectorKernels;
import dev.egemma.tokenizer.Tokenizer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every file type of {@code testdata/golden-quant/} (one model quantized by llama.cpp's own quantizer, its type mixes
 * included) against llama.cpp's embeddings, on the Java backend: the tokens equal llama.cpp's, and every text is
 * within issue 24's bounds (quantized types max abs 5e-3 and cosine 0.9998, F16 5e-4 / 0.99999, BF16 3e-3 / 0.9999).
 * The scalar and Vector API kernels give the same bits, batched or one text at a time (the block order does not
 * depend on the batch). Other shapes: {@code golden-quant-*} directories, when present, are held to the same bounds.
 */
class QuantGoldenTest {

    static Stream<String> files() {
        return Stream.of("q8_0", "f16", "bf16", "q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k_m", "q4_k_s", "q4_k_m",
                "q5_k_m", "q6_k", "iq4_nl", "iq4_xs").map(t -> "q256-" + t);
    }

    /** Bounds per file type: {max abs, min cosine}. */
    static double[] bounds(String name) {
        if (name.endsWith("-f16")) return new double[] {5e-4, 0.99999};
        if (name.endsWith("-bf16")) return new double[] {3e-3, 0.9999};
        return new double[] {5e-3, 0.9998};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void withinBoundsOfLlamaCpp(String name) throws Exception {
        check("golden-quant", name);
    }

    static void check(String dir, String name) throws Exception {
        Golden g = Golden.load(dir, name);
        try (GgufFile f = GgufFile.open(g.model()); WorkerPool pool = new WorkerPool(2)) {
            Tokenizer tok = Tokenizer.fromGguf(f);
            for (Golden.Item it : g.items()) assertArrayEquals(it.tokens(), tok.encode(it.text()), name + ": tokens of text " + it.index());
            ModelWeights w = ModelWeights.bind(f, ModelConfig.from(f));
            List<int[]> seqs = g.items().stream().map(Golden.Item::tokens).toList();
            float[][] scalar = new EmbeddingGemma(w, new ScalarKernels(), pool).forward(seqs, null);
            EmbeddingGemma vector = new EmbeddingGemma(w, new VectorKernels(), pool);
            float[][] batched = vector.forward(seqs, null);
            List<float[]> single = new ArrayList<>();
            for (int[] s : seqs) single.add(vector.forward(List.of(s), null)[0]);
            double[] b = bounds(name);
            double worstAbs = 0, worstCos = 1;
            for (int i = 0; i < seqs.size(); i++) {
                assertArrayEquals(scalar[i], batched[i], name + " text " + i + ": scalar and Vector API kernels differ");
                assertArrayEquals(batched[i], single.get(i), name + " text " + i + ": batched and single-text results differ");
                float[] e = batched[i].clone();
                new ScalarKernels().l2Normalize(e, 0, e.length);
                float[] gold = g.items().get(i).embedding();
                assertEquals(gold.length, e.length, "dimension");
                double abs = 0, dot = 0, na = 0, nb = 0;
                for (int j = 0; j < e.length; j++) {
                    assertTrue(Float.isFinite(e[j]), name + " text " + i + ": non-finite output");
                    abs = Math.max(abs, Math.abs(e[j] - gold[j]));
                    dot += (double) e[j] * gold[j];
                    na += (double) e[j] * e[j];
                    nb += (double) gold[j] * gold[j];
                }
                double cos = dot / Math.sqrt(na * nb);
                worstAbs = Math.max(worstAbs, abs);
                worstCos = Math.min(worstCos, cos);
                assertTrue(abs <= b[0], name + " text " + i + " (" + seqs.get(i).length + " tokens): max abs " + abs + " > " + b[0]);
                assertTrue(cos >= b[1], name + " text " + i + ": cosine " + cos + " < " + b[1]);
            }
            System.out.printf("%s/%s: max abs %.3g, min cos %.7f over %d texts%n", dir, name, worstAbs, worstCos, seqs.size());
        }
    }

    /** The kernels are named for the report only. */
    static String names(Kernels... ks) {
        return String.join(",", Stream.of(ks).map(Kernels::name).toList());
    }
}
