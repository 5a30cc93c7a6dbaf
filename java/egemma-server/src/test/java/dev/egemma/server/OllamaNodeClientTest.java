// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.egemma.Embedder;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.egemma.server.ServerTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real third-party client: the official {@code ollama} npm package calls {@code /api/embed} with one text and with
 * a list, and must get the library's vectors bit for bit; its errors (unknown model, an input of the wrong type)
 * must reach it as Ollama's error shape, which it turns into a {@code ResponseError} with the message and status.
 */
class OllamaNodeClientTest {
    private static final String CLIENT = """
            import { Ollama } from 'ollama';
            const client = new Ollama({ host: process.argv[2] });
            const texts = JSON.parse(process.argv[3]);
            const one = await client.embed({ model: 'gemma', input: texts[0] });
            const many = await client.embed({ model: 'gemma', input: texts });
            const failure = async (req) => {
              try { await client.embed(req); return null; }
              catch (e) { return { name: e.name, status: e.status_code, error: e.error }; }
            };
            console.log(JSON.stringify({
              model: many.model, count: many.prompt_eval_count, one: one.embeddings, many: many.embeddings,
              notFound: await failure({ model: 'no-such-model', input: 'x' }),
              badInput: await failure({ model: 'gemma', input: 42 }) }));
            """;

    @Test
    void officialOllamaNodeClientGetsTheLibrarysBits() throws Exception {
        NodeClient client = NodeClient.install("ollama", "ollama@0.5", CLIENT);
        List<String> texts = List.of("Hello from the ollama npm client", "second input, with ünïcødé", "3");
        try (EmbeddingServer s = serve(config(Limits.defaults(), null), goldenModels("gemma", "small-dense-f32"));
             Embedder lib = Embedder.open(golden("small-dense-f32"), OPTIONS)) {
            JsonNode j = Json.MAPPER.readTree(client.run(s.uri().toString(), Json.MAPPER.writeValueAsString(texts)));
            float[][] want = lib.embed(texts);
            assertEquals("gemma", j.get("model").textValue());
            int tokens = 0;
            for (String t : texts) tokens += lib.tokenize(t).length;
            assertEquals(tokens, j.get("count").intValue());
            TeiRoutesTest.assertSameBits(new float[][] {want[0]}, TeiRoutesTest.vectors(j.get("one")));
            TeiRoutesTest.assertSameBits(want, TeiRoutesTest.vectors(j.get("many")));
            assertFailure(j.get("notFound"), 404, "no-such-model");
            assertFailure(j.get("badInput"), 400, "input");
            System.out.println("[ollama-node] " + texts.size() + " texts: the library's bits, one and as a list; errors as ResponseError");
        }
    }

    private static void assertFailure(JsonNode f, int status, String mentions) {
        assertEquals("ResponseError", f.get("name").textValue(), f.toString());
        assertEquals(status, f.get("status").intValue(), f.toString());
        assertTrue(f.get("error").textValue().contains(mentions), f.toString());
    }
}
