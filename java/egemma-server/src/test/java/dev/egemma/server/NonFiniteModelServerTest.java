// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import dev.egemma.gguf.GgmlType;
import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufWriter;
import dev.egemma.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static dev.egemma.server.ServerTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 30, case 10: a model whose vectors come out NaN answers 500 saying so, never 200 with "NaN" strings. */
class NonFiniteModelServerTest {
    @TempDir Path dir;

    @Test
    void nonFiniteVectorsAreA500ThatSaysSo() throws Exception {
        Path model = dir.resolve("nan-norm.gguf");
        try (GgufFile f = GgufFile.open(TestData.file("golden/small-dense-q8_0.gguf"))) {
            float[] nan = new float[64];
            Arrays.fill(nan, Float.NaN);
            GgufWriter.copyOf(f).removeTensor("output_norm.weight").tensor("output_norm.weight", GgmlType.F32, new long[] {64}, nan).write(model);
        }
        EmbeddingServer server = serve(config(Limits.defaults(), null), Map.of("nan", EmbedderHandle.open(model, OPTIONS)));
        try {
            Reply r = post(server, "/v1/embeddings", "{\"model\":\"nan\",\"input\":[\"hello\"]}");
            assertEquals(500, r.status(), r.raw().body());
            String message = r.json().get("error").get("message").asText();
            assertTrue(message.startsWith("the model produced non-finite values"), message);
            assertEquals("non_finite_output", r.json().get("error").get("code").asText(), r.raw().body());
            assertFalse(r.raw().body().contains("\"NaN\"") || r.raw().body().contains("\"embedding\""), r.raw().body());
            // its warm-up fails the same way: whether or not it has yet, the server never says it is ready
            assertEquals(200, get(server, "/health", null).status());
            assertEquals("warming", get(server, "/ready", null).json().get("status").textValue());
        } finally {
            server.stop(java.time.Duration.ofSeconds(5));
        }
    }
}
