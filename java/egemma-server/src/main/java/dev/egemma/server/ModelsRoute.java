// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.io.IOException;

/** {@code GET /v1/models}: the served models in OpenAI's list shape, with their output width (an egemma extra). */
final class ModelsRoute extends Route {
    ModelsRoute(ServerContext ctx) {
        super(ctx, "/v1/models", true, "GET", "HEAD");
    }

    @Override
    int serve(Exchange ex) throws IOException {
        ctx.service(); // 503 while loading
        ServedModels m = ctx.models();
        byte[] body = Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (var e : m.all().entrySet()) {
                g.writeStartObject();
                g.writeStringField("id", e.getKey());
                g.writeStringField("object", "model");
                g.writeNumberField("created", ctx.startedEpochSeconds());
                g.writeStringField("owned_by", "egemma");
                g.writeNumberField("dimensions", e.getValue().dimension());
                g.writeNumberField("max_input_tokens", Math.min(e.getValue().contextLength(), ctx.limits().maxTokensPerInput()));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
        sendJson(ex, 200, body);
        return 200;
    }
}
