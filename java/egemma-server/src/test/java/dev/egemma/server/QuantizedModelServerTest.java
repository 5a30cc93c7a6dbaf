// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.egemma.Embedder;
import dev.egemma.testing.GoldenQuant;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.egemma.server.ServerTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Issue 24: a server over a quantized file and an Ollama blob answers with the library's vectors, within llama.cpp's bounds. */
class QuantizedModelServerTest {
    private static final List<String> TEXTS = List.of("Hello world", GoldenQuant.DOCUMENT_PROMPTED);

    @Test
    void quantizedFileAndOllamaBlobMatchTheLibraryAndLlamaCpp() throws Exception {
        Map<String, EmbeddingModelHandle> models = new LinkedHashMap<>();
        for (String file : new String[] {"q256-q4_k_m", "q256-q4_k_m-ollama"}) models.put(file, EmbedderHandle.open(GoldenQuant.model(file), OPTIONS));
        EmbeddingServer server = serve(config(Limits.defaults(), null), models);
        try (Embedder lib = Embedder.open(GoldenQuant.model("q256-q4_k_m"), OPTIONS)) {
            warmUp(lib);
            float[][] want = lib.embed(TEXTS);
            for (String file : models.keySet()) {
                Reply r = post(server, "/v1/embeddings", "{\"model\":\"" + file + "\",\"input\":" + Json.MAPPER.writeValueAsString(TEXTS) + "}");
                assertEquals(200, r.status(), r.raw().body());
                JsonNode data = r.json().get("data");
                assertEquals(TEXTS.size(), data.size());
                for (int i = 0; i < TEXTS.size(); i++) {
                    float[] got = floats(data.get(i).get("embedding"));
                    assertClose(want[i], got, 1e-6, file + " text " + i);
                    GoldenQuant.assertMatches(file, TEXTS.get(i), got);
                }
            }
        } finally {
            server.stop(java.time.Duration.ofSeconds(5));
        }
    }
}
