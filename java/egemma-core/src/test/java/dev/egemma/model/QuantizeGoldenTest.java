// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

import dev.egemma.Backend;
import dev.egemma.Embedder;
import dev.egemma.Q8Order;
import dev.egemma.gguf.Quantize;
import dev.egemma.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A file quantized by {@link Quantize} embeds like llama.cpp's Q8_0 goldens, within their bounds. */
class QuantizeGoldenTest {
    @TempDir
    Path tmp;

    @Test
    void quantizedF32ModelEmbedsLikeTheQ8Goldens() throws Exception {
        Path out = tmp.resolve("q8.gguf");
        Quantize.run(TestData.file("golden/small-dense-f32.gguf"), out, Quantize.Target.Q8_0);
        Golden g = Golden.load("small-dense-q8_0");
        // QuantizeTest shows the tensor bytes equal llama.cpp's file; here the whole path is held to the Q8_0 bounds of
        // ForwardGoldenTest: 2e-3 in llama.cpp's x86 order (issue 5), 5e-3 in the block order (the default)
        for (Q8Order order : Q8Order.values()) check(out, g, order, order == Q8Order.X86 ? 2e-3 : 5e-3);
    }

    private static void check(Path out, Golden g, Q8Order order, double bound) throws Exception {
        List<int[]> tokens = g.items().stream().map(Golden.Item::tokens).toList();
        Embedder.Options o = Embedder.Options.defaults().withBackend(Backend.JAVA).withThreads(2).withQ8Order(order);
        try (Embedder mine = Embedder.open(out, o)) {
            float[][] got = mine.embedTokenLists(tokens);
            for (int i = 0; i < got.length; i++) {
                float[] e = g.items().get(i).embedding();
                double maxAbs = 0, dot = 0, na = 0, nb = 0;
                for (int j = 0; j < e.length; j++) {
                    maxAbs = Math.max(maxAbs, Math.abs(e[j] - got[i][j]));
                    dot += (double) e[j] * got[i][j];
                    na += (double) e[j] * e[j];
                    nb += (double) got[i][j] * got[i][j];
                }
                assertTrue(maxAbs <= bound, order + " text " + i + ": max abs " + maxAbs);
                assertTrue(dot / Math.sqrt(na * nb) >= 0.9999, order + " text " + i + ": cosine");
            }
        }
    }
}
