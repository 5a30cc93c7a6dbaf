package dev.egemma.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/** {@code POST /v1/embeddings}, OpenAI's embeddings API. */
final class OpenAiEmbeddingsRoute extends Route {
    OpenAiEmbeddingsRoute(ServerContext ctx) {
        super(ctx, "/v1/embeddings", true, "POST");
    }

    @Override
    int serve(Exchange ex) throws IOException {
        EmbedRequest req = RequestParser.openAi(Json.parse(HttpBodies.utf8(HttpBodies.read(ex, ctx.limits().maxBodyBytes()))), ctx.limits().maxInputs());
        EmbeddingService.Result r = ctx.service().embed(req, ex::clientGone);
        byte[] body = Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (int i = 0; i < r.vectors().length; i++) {
                g.writeStartObject();
                g.writeStringField("object", "embedding");
                g.writeNumberField("index", i);
                if (req.base64()) g.writeStringField("embedding", base64(r.vectors()[i]));
                else {
                    g.writeFieldName("embedding");
                    Json.floats(g, r.vectors()[i]);
                }
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

    /** Little-endian float32 bytes, base64 (what OpenAI returns and its clients decode). */
    static String base64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return Base64.getEncoder().encodeToString(b.array());
    }
}
