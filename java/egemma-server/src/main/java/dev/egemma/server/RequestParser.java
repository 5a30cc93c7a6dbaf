// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.egemma.Task;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns the JSON of an OpenAI {@code /v1/embeddings} or Ollama {@code /api/embed} request into an {@link EmbedRequest},
 * rejecting every wrong shape or type with a 400 that names the field. Unknown fields are ignored, as both APIs do
 * (e.g. OpenAI's {@code user}, Ollama's {@code keep_alive} and {@code options}).
 */
final class RequestParser {
    private RequestParser() {}

    /** OpenAI: input is a string, strings, token ids or lists of token ids; dimensions; encoding_format ({@link VectorFormat}). */
    static EmbedRequest openAi(JsonNode root, int maxInputs) {
        requireObject(root);
        VectorFormat format = VectorFormat.parse(optionalString(root, "encoding_format"), "encoding_format");
        return new EmbedRequest(optionalString(root, "model"), openAiInputs(root.get("input"), maxInputs), dimensions(root),
                format, truncate(root), task(root));
    }

    /** Ollama: input is a string or strings; truncate (default true); dimensions; egemma's encoding_format ({@link VectorFormat}). */
    static EmbedRequest ollama(JsonNode root, int maxInputs) {
        requireObject(root);
        VectorFormat format = VectorFormat.parse(optionalString(root, "encoding_format"), "encoding_format");
        List<EmbedRequest.Input> inputs = texts(root, "input", maxInputs);
        return new EmbedRequest(optionalString(root, "model"), inputs, dimensions(root), format, truncate(root), task(root));
    }

    /** A required string or non-empty array of strings (Ollama's {@code input}, TEI's {@code inputs}). */
    static List<EmbedRequest.Input> texts(JsonNode root, String field, int maxInputs) {
        JsonNode in = root.get(field);
        if (in == null || in.isNull()) throw ApiException.badRequest("'" + field + "' is required", field);
        List<EmbedRequest.Input> inputs = new ArrayList<>();
        if (in.isTextual()) inputs.add(new EmbedRequest.Text(in.textValue()));
        else if (in.isArray()) {
            checkCount(in.size(), maxInputs, field);
            for (int i = 0; i < in.size(); i++) {
                JsonNode e = in.get(i);
                if (!e.isTextual()) throw ApiException.badRequest("'" + field + "[" + i + "]' must be a string, got " + kind(e), field);
                inputs.add(new EmbedRequest.Text(e.textValue()));
            }
        } else throw ApiException.badRequest("'" + field + "' must be a string or an array of strings, got " + kind(in), field);
        return inputs;
    }

    private static List<EmbedRequest.Input> openAiInputs(JsonNode in, int maxInputs) {
        if (in == null || in.isNull()) throw ApiException.badRequest("'input' is required", "input");
        List<EmbedRequest.Input> out = new ArrayList<>();
        if (in.isTextual()) {
            out.add(new EmbedRequest.Text(in.textValue()));
            return out;
        }
        if (!in.isArray())
            throw ApiException.badRequest("'input' must be a string, an array of strings, an array of token ids or an array of arrays of token ids; got " + kind(in), "input");
        if (in.isEmpty()) throw ApiException.badRequest("'input' must not be empty", "input");
        JsonNode first = in.get(0);
        if (first.isIntegralNumber()) {
            // one token sequence: the whole array is one input
            out.add(new EmbedRequest.Tokens(tokenIds(in, "input")));
            return out;
        }
        checkCount(in.size(), maxInputs, "input");
        boolean texts = first.isTextual();
        if (!texts && !first.isArray())
            throw ApiException.badRequest("'input[0]' must be a string, a token id or an array of token ids, got " + kind(first), "input");
        for (int i = 0; i < in.size(); i++) {
            JsonNode e = in.get(i);
            if (texts) {
                if (!e.isTextual()) throw ApiException.badRequest("'input[" + i + "]' must be a string like input[0], got " + kind(e), "input");
                out.add(new EmbedRequest.Text(e.textValue()));
            } else {
                if (!e.isArray()) throw ApiException.badRequest("'input[" + i + "]' must be an array of token ids like input[0], got " + kind(e), "input");
                if (e.isEmpty()) throw ApiException.badRequest("'input[" + i + "]' must not be an empty token list", "input");
                out.add(new EmbedRequest.Tokens(tokenIds(e, "input[" + i + "]")));
            }
        }
        return out;
    }

    static int[] tokenIds(JsonNode arr, String where) {
        int[] ids = new int[arr.size()];
        for (int j = 0; j < ids.length; j++) {
            JsonNode t = arr.get(j);
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.intValue() < 0)
                throw ApiException.badRequest("'" + where + "[" + j + "]' must be a non-negative integer token id, got " + kind(t), "input");
            ids[j] = t.intValue();
        }
        return ids;
    }

    private static void checkCount(int n, int maxInputs, String field) {
        if (n == 0) throw ApiException.badRequest("'" + field + "' must not be empty", field);
        if (n > maxInputs) throw ApiException.badRequest("'" + field + "' has " + n + " items; this server accepts at most " + maxInputs + " per request", field, "too_many_inputs");
    }

    static void requireObject(JsonNode root) {
        if (root == null || !root.isObject()) throw ApiException.badRequest("the request body must be a JSON object, got " + kind(root), null);
    }

    static String optionalString(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw ApiException.badRequest("'" + field + "' must be a string, got " + kind(n), field);
        return n.textValue();
    }

    static int dimensions(JsonNode root) {
        JsonNode n = root.get("dimensions");
        if (n == null || n.isNull()) return 0;
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 1)
            throw ApiException.badRequest("'dimensions' must be a positive integer, got " + kind(n), "dimensions");
        return n.intValue();
    }

    private static boolean truncate(JsonNode root) {
        return optionalBoolean(root, "truncate", true);
    }

    /** {@code field} as a boolean, {@code absent} when missing or null; anything else is a 400. */
    static boolean optionalBoolean(JsonNode root, String field, boolean absent) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) return absent;
        if (!n.isBoolean()) throw ApiException.badRequest("'" + field + "' must be true or false, got " + kind(n), field);
        return n.booleanValue();
    }

    private static Task task(JsonNode root) {
        String t = optionalString(root, "task");
        if (t == null) return null;
        try {
            return Task.parse(t);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("'task': " + e.getMessage(), "task");
        }
    }

    /** What a JSON value is, for messages (never its full content: it may be huge). */
    static String kind(JsonNode n) {
        if (n == null || n.isMissingNode()) return "nothing";
        return switch (n.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> n.isIntegralNumber() ? "the integer " + abbreviate(n.asText()) : "the number " + abbreviate(n.asText());
            case BOOLEAN -> n.asText();
            case NULL -> "null";
            default -> n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }

    static String abbreviate(String s) {
        return s.length() <= 24 ? s : s.substring(0, 24) + "...";
    }
}
