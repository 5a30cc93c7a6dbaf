// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.io.IOException;

/**
 * {@code POST /api/embed}, Ollama's embeddings API, errors in Ollama's shape {@code {"error":"message"}}; egemma's
 * {@code encoding_format} (as on the other routes) writes the vectors quantized or as base64.
 */
final class OllamaEmbedRoute extends Route {
    OllamaEmbedRoute(ServerContext ctx) {
        super(ctx, "/api/embed", true, "POST");
    }

    /** Ollama's clients read {@code error} as a string (the npm {@code ollama} client showed "[object Object]"). */
    @Override
    byte[] errorBody(ApiException e) {
        return Json.ollamaError(e);
    }

    @Override
    int serve(Exchange ex) throws IOException {
        long t0 = System.nanoTime();
        EmbedRequest req = RequestParser.ollama(Json.parse(HttpBodies.utf8(HttpBodies.read(ex, ctx.limits().maxBodyBytes()))), ctx.limits().maxInputs());
        EmbeddingService.Result r = ctx.service().embed(req, ex::clientGone, ex.trace());
        long total = System.nanoTime() - t0;
        byte[] body = Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("model", r.model());
            g.writeArrayFieldStart("embeddings");
            for (float[] v : r.vectors()) req.format().write(g, v); // floats unless egemma's encoding_format says otherwise
            g.writeEndArray();
            g.writeNumberField("total_duration", total);
            g.writeNumberField("load_duration", 0); // models are loaded at startup, never by a request
            g.writeNumberField("prompt_eval_count", r.promptTokens());
            g.writeEndObject();
        });
        sendJson(ex, 200, body);
        return 200;
    }
}
