// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.egemma.Embedder;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.egemma.server.ServerTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A real third-party client: the official {@code openai} npm package, installed into a scratch directory under
 * target/, calls {@code /v1/embeddings} (its default base64 encoding and the float one) and must get the library's
 * vectors ({@link NodeClient} installs and runs it, or skips).
 */
class OpenAiNodeClientTest {
    private static final String CLIENT = """
            import OpenAI from 'openai';
            const client = new OpenAI({ baseURL: process.argv[2], apiKey: process.argv[3], maxRetries: 0 });
            const input = JSON.parse(process.argv[4]);
            const dflt = await client.embeddings.create({ model: 'gemma', input });
            const asFloat = await client.embeddings.create({ model: 'gemma', input, encoding_format: 'float' });
            const dims = await client.embeddings.create({ model: 'gemma', input: input[0], dimensions: 16 });
            let notFound = null;
            try { await client.embeddings.create({ model: 'no-such-model', input: 'x' }); }
            catch (e) { notFound = { status: e.status, message: e.message }; }
            console.log(JSON.stringify({
              model: dflt.model, usage: dflt.usage,
              dflt: dflt.data.map(d => Array.from(d.embedding)),
              asFloat: asFloat.data.map(d => d.embedding),
              dims: dims.data[0].embedding, notFound }));
            """;

    @Test
    void officialOpenAiNodeClientGetsTheLibrarysVectors() throws Exception {
        NodeClient client = NodeClient.install("openai", "openai@4", CLIENT);

        List<String> texts = List.of("Hello from the openai npm client", "second input, with ünïcødé", "3");
        try (EmbeddingServer s = serve(config(Limits.defaults(), "node-key"), goldenModels("gemma", "small-dense-f32"));
             Embedder lib = Embedder.open(golden("small-dense-f32"), OPTIONS)) {
            warmUp(lib);
            JsonNode j = Json.MAPPER.readTree(client.run(s.uri() + "/v1", "node-key", Json.MAPPER.writeValueAsString(texts)));
            float[][] want = lib.embed(texts);
            assertEquals("gemma", j.get("model").textValue());
            int tokens = 0;
            for (String t : texts) tokens += lib.tokenize(t).length;
            assertEquals(tokens, j.get("usage").get("prompt_tokens").intValue());
            for (int i = 0; i < texts.size(); i++) {
                assertClose(want[i], floats(j.get("dflt").get(i)), 1e-6, "default (base64) encoding, text " + i);
                assertClose(want[i], floats(j.get("asFloat").get(i)), 1e-6, "float encoding, text " + i);
            }
            assertClose(EmbeddingService.matryoshka(new float[][] {want[0]}, 16)[0], floats(j.get("dims")), 1e-6, "dimensions 16");
            assertEquals(404, j.get("notFound").get("status").intValue());
            System.out.println("[openai-node] " + texts.size() + " texts: vectors equal to the library's (base64 and float)");
        }
    }
}
