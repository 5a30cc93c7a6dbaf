package dev.egemma.model;

import dev.egemma.Backend;
import dev.egemma.Embedder;
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
        List<int[]> tokens = g.items().stream().map(Golden.Item::tokens).toList();
        Embedder.Options o = Embedder.Options.defaults().withBackend(Backend.JAVA).withThreads(2);
        // Not compared for equality with an Embedder over llama.cpp's file: QuantizeTest shows the tensor bytes are
        // identical, and the Java kernels' Q8_0 results can move by one rounding step as the JIT warms up.
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
                // the Q8_0 bounds of ForwardGoldenTest (issue 5)
                assertTrue(maxAbs <= 5e-3, "text " + i + ": max abs " + maxAbs);
                assertTrue(dot / Math.sqrt(na * nb) >= 0.9999, "text " + i + ": cosine");
            }
        }
    }
}
