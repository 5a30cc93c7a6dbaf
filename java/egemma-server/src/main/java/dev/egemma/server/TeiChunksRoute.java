// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import dev.egemma.Chunking;

import java.io.IOException;
import java.util.List;

/**
 * {@code POST /embed_chunks}, egemma's (TEI has no such route), in TEI's style: {@code /embed}'s fields plus
 * {@code chunk_tokens}, {@code chunk_overlap} and {@code late_chunking}; answers, per input, its chunks in order:
 * {@code [[{"tokens": [from, to], "chars": [from, to], "embedding": [...]}, ...], ...]} (token span of the input's own
 * tokens, character span in code points, -1 where unknown).
 */
final class TeiChunksRoute extends TeiRoute {
    TeiChunksRoute(ServerContext ctx) {
        super(ctx, "/embed_chunks", "POST");
    }

    @Override
    int serve(Exchange ex) throws IOException {
        String model = model(ex).getKey();
        ChunkRequest req = TeiRequests.chunks(body(ex), model, ctx.limits().maxInputs());
        EmbeddingService.ChunkResult r = ctx.service().chunks(req, ex::clientGone, ex.trace());
        byte[] body = Json.write(g -> {
            g.writeStartArray();
            for (List<Chunking.Chunk> text : r.chunks()) {
                g.writeStartArray();
                for (Chunking.Chunk c : text) {
                    g.writeStartObject();
                    g.writeArrayFieldStart("tokens");
                    g.writeNumber(c.tokenFrom());
                    g.writeNumber(c.tokenTo());
                    g.writeEndArray();
                    g.writeArrayFieldStart("chars");
                    g.writeNumber(c.charFrom());
                    g.writeNumber(c.charTo());
                    g.writeEndArray();
                    g.writeFieldName("embedding");
                    req.format().write(g, c.vector());
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndArray();
        });
        sendJson(ex, 200, body);
        return 200;
    }
}
