// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.egemma.Chunking;
import dev.egemma.Task;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.egemma.server.RequestParser.kind;
import static dev.egemma.server.RequestParser.optionalBoolean;
import static dev.egemma.server.RequestParser.optionalString;

/**
 * Parses the bodies of TEI's {@code /embed}, {@code /tokenize} and {@code /decode} with TEI's field names and
 * defaults ({@code truncate} false, {@code normalize} true, {@code add_special_tokens} true,
 * {@code skip_special_tokens} true); a wrong type or an unknown value is a 400 naming the field.
 */
final class TeiRequests {
    private TeiRequests() {}

    /** A {@code /tokenize} request: texts (prompt applied) and whether BOS/EOS are added. */
    record Tokenize(List<String> texts, boolean addSpecialTokens) {}

    /** A {@code /decode} request: one or more id sequences. */
    record Decode(List<int[]> ids, boolean skipSpecialTokens) {}

    /**
     * sentence-transformers' prompt names in EmbeddingGemma's config that are not egemma task names; the rest
     * ({@code query}, {@code document}, {@code Classification}, {@code Clustering}, ...) are {@link Task} names.
     */
    private static final Map<String, Task> ST_PROMPTS = Map.of(
            "retrieval-query", Task.QUERY, "retrieval-document", Task.DOCUMENT, "sts", Task.SIMILARITY);

    static EmbedRequest embed(JsonNode root, String model, int maxInputs) {
        RequestParser.requireObject(root);
        Task task = promptName(root);
        List<EmbedRequest.Input> inputs = RequestParser.texts(root, "inputs", maxInputs);
        return new EmbedRequest(model, inputs, RequestParser.dimensions(root), VectorFormat.parse(optionalString(root, "encoding_format"), "encoding_format"),
                optionalBoolean(root, "truncate", false), task, optionalBoolean(root, "normalize", true), keepEnd(root));
    }

    /** {@code POST /embed_chunks} (egemma's): TEI's {@code /embed} fields plus {@code chunk_tokens}, {@code chunk_overlap}, {@code late_chunking}. */
    static ChunkRequest chunks(JsonNode root, String model, int maxInputs) {
        RequestParser.requireObject(root);
        Task task = promptName(root);
        List<String> texts = new ArrayList<>();
        for (EmbedRequest.Input in : RequestParser.texts(root, "inputs", maxInputs)) texts.add(((EmbedRequest.Text) in).text());
        int tokens = positiveInt(root, "chunk_tokens", -1), overlap = nonNegativeInt(root, "chunk_overlap");
        if (tokens < 0) throw ApiException.badRequest("'chunk_tokens' is required: the tokens of a text per chunk", "chunk_tokens");
        Chunking chunking;
        try {
            chunking = new Chunking(tokens, overlap, optionalBoolean(root, "late_chunking", false));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("'chunk_overlap': " + e.getMessage(), "chunk_overlap");
        }
        boolean normalize = optionalBoolean(root, "normalize", true);
        VectorFormat format = VectorFormat.parse(optionalString(root, "encoding_format"), "encoding_format");
        if (format.needsUnitVectors() && !normalize)
            throw ApiException.badRequest("'encoding_format' " + format.id() + " scales unit vectors; it needs \"normalize\": true", "encoding_format");
        return new ChunkRequest(model, texts, chunking, task, normalize, RequestParser.dimensions(root), format);
    }

    private static int positiveInt(JsonNode root, String field, int absent) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) return absent;
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 1)
            throw ApiException.badRequest("'" + field + "' must be a positive integer, got " + kind(n), field);
        return n.intValue();
    }

    private static int nonNegativeInt(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) return 0;
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 0)
            throw ApiException.badRequest("'" + field + "' must be an integer >= 0, got " + kind(n), field);
        return n.intValue();
    }

    static Tokenize tokenize(JsonNode root, int maxInputs) {
        RequestParser.requireObject(root);
        Task task = promptName(root);
        List<String> texts = new ArrayList<>();
        for (EmbedRequest.Input in : RequestParser.texts(root, "inputs", maxInputs)) {
            String t = ((EmbedRequest.Text) in).text();
            texts.add(task == null ? t : task.apply(t));
        }
        return new Tokenize(texts, optionalBoolean(root, "add_special_tokens", true));
    }

    /** {@code ids}: one list of token ids, or a list of such lists (TEI accepts both). */
    static Decode decode(JsonNode root, int maxInputs) {
        RequestParser.requireObject(root);
        JsonNode ids = root.get("ids");
        if (ids == null || ids.isNull()) throw ApiException.badRequest("'ids' is required", "ids");
        if (!ids.isArray() || ids.isEmpty())
            throw ApiException.badRequest("'ids' must be a non-empty array of token ids or of arrays of token ids, got " + kind(ids), "ids");
        List<int[]> out = new ArrayList<>();
        if (!ids.get(0).isArray()) out.add(RequestParser.tokenIds(ids, "ids"));
        else {
            if (ids.size() > maxInputs)
                throw ApiException.badRequest("'ids' has " + ids.size() + " sequences; this server accepts at most " + maxInputs + " per request", "ids", "too_many_inputs");
            for (int i = 0; i < ids.size(); i++) {
                JsonNode e = ids.get(i);
                if (!e.isArray()) throw ApiException.badRequest("'ids[" + i + "]' must be an array of token ids like ids[0], got " + kind(e), "ids");
                out.add(RequestParser.tokenIds(e, "ids[" + i + "]"));
            }
        }
        return new Decode(out, optionalBoolean(root, "skip_special_tokens", true));
    }

    /** TEI's {@code prompt_name}: an EmbeddingGemma task prompt, by egemma's or sentence-transformers' name. */
    static Task promptName(JsonNode root) {
        String name = optionalString(root, "prompt_name");
        if (name == null) return null;
        Task t = ST_PROMPTS.get(name.trim().toLowerCase(Locale.ROOT));
        if (t != null) return t;
        try {
            return Task.parse(name);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("'prompt_name': " + e.getMessage() + " (or Retrieval-query, Retrieval-document, STS)", "prompt_name");
        }
    }

    /** {@code truncation_direction}: {@code Right} (TEI's default: keep the start) or {@code Left} (keep the end). */
    private static boolean keepEnd(JsonNode root) {
        String d = optionalString(root, "truncation_direction");
        if (d == null || d.equalsIgnoreCase("right")) return false;
        if (d.equalsIgnoreCase("left")) return true;
        throw ApiException.badRequest("'truncation_direction' must be \"Left\" or \"Right\", got \"" + RequestParser.abbreviate(d) + "\"", "truncation_direction");
    }
}
