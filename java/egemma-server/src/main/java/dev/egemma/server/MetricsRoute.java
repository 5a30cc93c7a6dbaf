// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** {@code GET /metrics}: Prometheus text format. Needs the API key when one is set (it shows model names and load). */
final class MetricsRoute extends Route {
    MetricsRoute(ServerContext ctx) {
        super(ctx, "/metrics", true, "GET", "HEAD");
    }

    @Override
    int serve(Exchange ex) throws IOException {
        ex.send(200, "text/plain; version=0.0.4; charset=utf-8", ctx.metrics().render().getBytes(StandardCharsets.UTF_8));
        return 200;
    }
}
