package dev.egemma.server;

import java.io.IOException;

/** {@code GET /health}: 200 once the models are loaded, 503 before. Open without the API key, for probes. */
final class HealthRoute extends Route {
    HealthRoute(ServerContext ctx) {
        super(ctx, "/health", false, "GET", "HEAD");
    }

    @Override
    int serve(Exchange ex) throws IOException {
        ServedModels m = ctx.models();
        int status = m == null ? 503 : 200;
        byte[] body = Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("status", m == null ? "loading" : "ok");
            if (m != null) {
                g.writeArrayFieldStart("models");
                for (String n : m.names()) g.writeString(n);
                g.writeEndArray();
            }
            g.writeEndObject();
        });
        if (m == null) ex.setHeader("Retry-After", "2");
        sendJson(ex, status, body);
        return status;
    }
}
