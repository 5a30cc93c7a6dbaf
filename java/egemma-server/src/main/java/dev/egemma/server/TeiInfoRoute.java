// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import dev.egemma.Task;

import java.io.IOException;
import java.util.Map;

/**
 * {@code GET /info}, TEI's model and router description, for the model the request picks ({@code X-Model} or the
 * first). TEI's field names where TEI has the fact; egemma's additions: {@code dimensions} (the Matryoshka widths
 * {@code /embed} accepts), {@code prompts} ({@code prompt_name} values and their prefixes), {@code models}.
 */
final class TeiInfoRoute extends TeiRoute {
    /** The jar's version, "dev" when run from classes (tests, IDE). */
    static final String VERSION = versionOf();

    TeiInfoRoute(ServerContext ctx) {
        super(ctx, "/info", "GET");
    }

    @Override
    int serve(Exchange ex) throws IOException {
        Map.Entry<String, EmbeddingModelHandle> m = model(ex);
        EmbeddingModelHandle h = m.getValue();
        Limits l = ctx.limits();
        byte[] body = Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("model_id", m.getKey());
            g.writeNullField("model_sha");
            g.writeStringField("model_dtype", h.describe());
            g.writeObjectFieldStart("model_type");
            g.writeObjectFieldStart("embedding");
            g.writeStringField("pooling", "mean");
            g.writeEndObject();
            g.writeEndObject();
            g.writeNumberField("max_input_length", Math.min(l.maxTokensPerInput(), h.contextLength()));
            g.writeNumberField("max_batch_tokens", l.maxQueuedTokens());
            g.writeNullField("max_batch_requests");
            g.writeNumberField("max_client_batch_size", l.maxInputs());
            g.writeBooleanField("auto_truncate", false);
            g.writeStringField("version", VERSION);
            g.writeObjectFieldStart("dimensions");
            g.writeNumberField("min", 1);
            g.writeNumberField("max", h.dimension());
            g.writeEndObject();
            g.writeObjectFieldStart("prompts");
            for (Task t : Task.values()) g.writeStringField(t.id(), t.prefix());
            g.writeEndObject();
            g.writeArrayFieldStart("models");
            for (String name : ctx.models().names()) g.writeString(name);
            g.writeEndArray();
            g.writeEndObject();
        });
        sendJson(ex, 200, body);
        return 200;
    }

    private static String versionOf() {
        String v = TeiInfoRoute.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
