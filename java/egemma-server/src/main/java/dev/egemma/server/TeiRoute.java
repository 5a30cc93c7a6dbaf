// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.Map;

/**
 * A route of Hugging Face text-embeddings-inference's API: errors in TEI's shape
 * {@code {"error": "...", "error_type": "..."}}, an over-long input answered 413 as TEI does, and the model taken
 * from the {@code X-Model} header (TEI serves one model, so its clients send none: then the first served model).
 */
abstract class TeiRoute extends Route {
    /** The request header that picks a served model on TEI routes. */
    static final String MODEL_HEADER = "X-Model";

    TeiRoute(ServerContext ctx, String path, String... methods) {
        super(ctx, path, true, methods);
    }

    /** TEI answers "input too long" with 413 (its Validation errors); egemma's other statuses stay. */
    @Override
    ApiException translate(ApiException e) {
        if ("context_length_exceeded".equals(e.code()))
            return new ApiException(413, e.type(), e.getMessage(), e.param(), e.code(), 0);
        return e;
    }

    @Override
    byte[] errorBody(ApiException e) {
        return Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("error", e.getMessage());
            g.writeStringField("error_type", errorType(e));
            g.writeEndObject();
        });
    }

    /** TEI's error_type names: Overloaded, Unhealthy (loading, stopping, timeout), Backend (5xx), else Validation. */
    static String errorType(ApiException e) {
        if ("overloaded".equals(e.code())) return "Overloaded";
        if (e.status() == 503) return "Unhealthy";
        if (e.status() >= 500) return "Backend";
        return "Validation";
    }

    /** The request body as JSON (400 if malformed, 413 past the body limit). */
    JsonNode body(Exchange ex) throws IOException {
        return Json.parse(HttpBodies.utf8(HttpBodies.read(ex, ctx.limits().maxBodyBytes())));
    }

    /** The tokenizer of the model the request picks. */
    dev.egemma.tokenizer.Tokenizer tokenizer(Exchange ex) {
        return model(ex).getValue().tokenizer();
    }

    /** The served name and model this request asks for: the header's, else the first served model. */
    Map.Entry<String, EmbeddingModelHandle> model(Exchange ex) {
        ctx.service(); // 503 while loading
        ServedModels models = ctx.models();
        String name = ex.requestHeader(MODEL_HEADER);
        return models.resolve(name == null || name.isBlank() ? models.names().getFirst() : name.trim());
    }
}
