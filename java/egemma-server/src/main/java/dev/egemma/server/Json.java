// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Jackson set up for strict request parsing (one value, no duplicate keys) and compact responses. */
final class Json {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION) // messages must not echo the body
            .build();
    private static final JsonFactory FACTORY = MAPPER.getFactory();

    private Json() {}

    /** The body as a JSON tree; malformed JSON is a 400 naming the line and column. */
    static JsonNode parse(String body) {
        if (body.isBlank()) throw ApiException.badRequest("the request body is empty; send a JSON object", null);
        try {
            return MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw ApiException.badRequest("malformed JSON" + (loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr())
                    + ": " + e.getOriginalMessage(), null);
        }
    }

    interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    static byte[] write(Writer w) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            w.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] error(ApiException e) {
        return write(g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("message", e.getMessage());
            g.writeStringField("type", e.type());
            g.writeStringField("param", e.param());
            g.writeStringField("code", e.code());
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    /** Ollama's error shape: {@code {"error":"message"}}. */
    static byte[] ollamaError(ApiException e) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("error", e.getMessage());
            g.writeEndObject();
        });
    }

    /** A float array; each value written as Float.toString writes it (the shortest text that reads back to the same float). */
    static void floats(JsonGenerator g, float[] v) throws IOException {
        g.writeStartArray(v, v.length);
        for (float x : v) g.writeNumber(x);
        g.writeEndArray();
    }
}
