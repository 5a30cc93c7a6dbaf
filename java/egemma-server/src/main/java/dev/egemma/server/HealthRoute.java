// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.io.IOException;
import java.util.function.Function;

/**
 * The probes, open without the API key. {@code GET /health} (liveness, TEI's route): 200 once the models are
 * loaded, 503 before. {@code GET /ready} (readiness): 200 only once every model has embedded its warm-up text, and
 * 503 again while the server drains, so a load balancer sends traffic only to a warm server that will answer it.
 */
final class HealthRoute extends Route {
    private final Function<ServerContext, String> state;

    private HealthRoute(ServerContext ctx, String path, Function<ServerContext, String> state) {
        super(ctx, path, false, "GET", "HEAD");
        this.state = state;
    }

    static HealthRoute liveness(ServerContext ctx) {
        return new HealthRoute(ctx, "/health", c -> c.models() == null ? "loading" : "ok");
    }

    static HealthRoute readiness(ServerContext ctx) {
        return new HealthRoute(ctx, "/ready", ServerContext::readiness);
    }

    @Override
    int serve(Exchange ex) throws IOException {
        ServedModels m = ctx.models();
        String s = state.apply(ctx);
        int status = s.equals("ok") ? 200 : 503;
        byte[] body = Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("status", s);
            if (m != null) {
                g.writeArrayFieldStart("models");
                for (String n : m.names()) g.writeString(n);
                g.writeEndArray();
            }
            g.writeEndObject();
        });
        if (status == 503) ex.setHeader("Retry-After", "2");
        sendJson(ex, status, body);
        return status;
    }
}
