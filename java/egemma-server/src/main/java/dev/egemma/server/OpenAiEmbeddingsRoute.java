// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.io.IOException;

/** {@code POST /v1/embeddings}, OpenAI's embeddings API; {@code encoding_format} also takes egemma's int8, uint8, binary, ubinary. */
final class OpenAiEmbeddingsRoute extends Route {
    OpenAiEmbeddingsRoute(ServerContext ctx) {
        super(ctx, "/v1/embeddings", true, "POST");
    }

    @Override
    int serve(Exchange ex) throws IOException {
        EmbedRequest req = RequestParser.openAi(Json.parse(HttpBodies.utf8(HttpBodies.read(ex, ctx.limits().maxBodyBytes()))), ctx.limits().maxInputs());
        EmbeddingService.Result r = ctx.service().embed(req, ex::clientGone, ex.trace());
        byte[] body = Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (int i = 0; i < r.vectors().length; i++) {
                g.writeStartObject();
                g.writeStringField("object", "embedding");
                g.writeNumberField("index", i);
                g.writeFieldName("embedding");
                req.format().write(g, r.vectors()[i]);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("model", r.model());
            g.writeObjectFieldStart("usage");
            g.writeNumberField("prompt_tokens", r.promptTokens());
            g.writeNumberField("total_tokens", r.promptTokens());
            g.writeEndObject();
            g.writeEndObject();
        });
        sendJson(ex, 200, body);
        return 200;
    }
}
