// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.io.IOException;

/**
 * {@code POST /embed}, TEI's embeddings route: answers {@code [[float, ...], ...]}, one vector per input; egemma's
 * {@code encoding_format} (TEI has none) writes them as {@link VectorFormat} says instead.
 */
final class TeiEmbedRoute extends TeiRoute {
    TeiEmbedRoute(ServerContext ctx) {
        super(ctx, "/embed", "POST");
    }

    @Override
    int serve(Exchange ex) throws IOException {
        String model = model(ex).getKey();
        EmbedRequest req = TeiRequests.embed(body(ex), model, ctx.limits().maxInputs());
        EmbeddingService.Result r = ctx.service().embed(req, ex::clientGone, ex.trace());
        byte[] body = Json.write(g -> {
            g.writeStartArray();
            for (float[] v : r.vectors()) req.format().write(g, v);
            g.writeEndArray();
        });
        sendJson(ex, 200, body);
        return 200;
    }
}
