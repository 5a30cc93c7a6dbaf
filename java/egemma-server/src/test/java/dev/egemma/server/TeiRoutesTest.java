// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

import static dev.egemma.server.ServerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** TEI's /embed, /tokenize, /decode and /info on loopback: TEI's shapes, defaults and error bodies. */
class TeiRoutesTest {
    private static final Limits LIMITS = Limits.defaults().withMaxInputs(4).withMaxTokensPerInput(16);
    private static final String LONG = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen";
    private static EmbeddingServer server;

    @BeforeAll
    static void start() throws Exception {
        server = serve(config(LIMITS, null), goldenModels("gemma", "small-dense-f32", "q8", "small-dense-q8_0"));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.stop(Duration.ofSeconds(5));
    }

    static Reply tei(String path, String json, String model) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri().resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        if (model != null) b.header(TeiRoute.MODEL_HEADER, model);
        return send(b.build());
    }

    static JsonNode ok(Reply r) {
        assertEquals(200, r.status(), r.raw().body());
        return r.json();
    }

    /** The vectors of an OpenAI answer, to compare bits with /embed's. */
    static float[][] openAi(String json) throws Exception {
        JsonNode data = ok(post(server, "/v1/embeddings", json)).get("data");
        float[][] out = new float[data.size()][];
        for (int i = 0; i < out.length; i++) out[i] = floats(data.get(i).get("embedding"));
        return out;
    }

    static float[][] vectors(JsonNode arr) {
        assertTrue(arr.isArray(), arr.toString());
        float[][] out = new float[arr.size()][];
        for (int i = 0; i < out.length; i++) out[i] = floats(arr.get(i));
        return out;
    }

    static void assertSameBits(float[][] want, float[][] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i].length, got[i].length);
            for (int j = 0; j < want[i].length; j++)
                assertEquals(Float.floatToRawIntBits(want[i][j]), Float.floatToRawIntBits(got[i][j]), "[" + i + "][" + j + "]");
        }
    }

    static double norm(float[] v) {
        double s = 0;
        for (float x : v) s += (double) x * x;
        return Math.sqrt(s);
    }

    /** TEI's error body: exactly {"error": text, "error_type": type}, no Java internals. */
    static void assertTeiError(Reply r, int status, String mentions, String type) {
        assertEquals(status, r.status(), () -> "status; body: " + r.raw().body());
        JsonNode j = r.json();
        assertNotNull(j, r.raw().body());
        assertEquals(2, j.size(), r.raw().body());
        assertTrue(j.get("error").isTextual() && j.get("error").textValue().contains(mentions), () -> "should mention '" + mentions + "': " + r.raw().body());
        assertEquals(type, j.get("error_type").textValue(), r.raw().body());
        assertFalse(r.raw().body().contains("Exception") || r.raw().body().contains("java."), r.raw().body());
    }

    /**
     * The request bodies of TEI's API documentation, verbatim (its OpenAPI examples: explicit nulls, lower-case
     * "right"), as TEI's clients send them: each is answered 200 in TEI's response shape.
     */
    @Test
    void teisDocumentedRequestExamplesAreAnswered() throws Exception {
        JsonNode one = ok(tei("/embed", "{\"inputs\": \"The model input\", \"prompt_name\": null, \"normalize\": true, "
                + "\"truncate\": false, \"truncation_direction\": \"right\"}", null));
        assertEquals(1, vectors(one).length);
        assertEquals(2, vectors(ok(tei("/embed", "{\"inputs\": [\"test input\", \"test input 2\"]}", null))).length);
        assertSameBits(vectors(one), vectors(ok(tei("/embed", "{\"inputs\": \"The model input\"}", null))));
        JsonNode tokens = ok(tei("/tokenize", "{\"inputs\": \"test\", \"add_special_tokens\": true, \"prompt_name\": null}", null));
        assertTrue(tokens.isArray() && tokens.get(0).isArray() && tokens.get(0).get(0).has("id") && tokens.get(0).get(0).has("text")
                && tokens.get(0).get(0).has("special") && tokens.get(0).get(0).has("start") && tokens.get(0).get(0).has("stop"), tokens.toString());
        JsonNode decoded = ok(tei("/decode", "{\"ids\": [" + tokens.get(0).get(1).get("id").asInt() + "], \"skip_special_tokens\": true}", null));
        assertEquals("test", decoded.get(0).asText());
        JsonNode info = ok(send(HttpRequest.newBuilder(server.uri().resolve("/info")).GET().build()));
        for (String field : new String[] {"model_id", "max_input_length", "max_batch_tokens", "max_client_batch_size", "version"})
            assertTrue(info.has(field), field + " missing from " + info);
    }

    @Test
    void embedAnswersOneVectorPerInputWithOpenAisBits() throws Exception {
        float[][] batch = vectors(ok(tei("/embed", "{\"inputs\":[\"The quick brown fox\",\"a second text\"]}", null)));
        assertSameBits(openAi("{\"model\":\"gemma\",\"input\":[\"The quick brown fox\",\"a second text\"]}"), batch);
        assertEquals(64, batch[0].length);
        float[][] single = vectors(ok(tei("/embed", "{\"inputs\":\"The quick brown fox\",\"normalize\":true}", null)));
        assertSameBits(new float[][] {batch[0]}, single);
    }

    @Test
    void normalizeFalseGivesThePooledVector() throws Exception {
        float[] raw = vectors(ok(tei("/embed", "{\"inputs\":\"The quick brown fox\",\"normalize\":false}", null)))[0];
        float[] unit = vectors(ok(tei("/embed", "{\"inputs\":\"The quick brown fox\"}", null)))[0];
        assertTrue(Math.abs(norm(raw) - 1) > 1e-3, "raw norm " + norm(raw));
        double n = norm(raw);
        for (int i = 0; i < raw.length; i++) assertEquals(unit[i], raw[i] / n, 1e-6);
        float[] rawCut = vectors(ok(tei("/embed", "{\"inputs\":\"The quick brown fox\",\"normalize\":false,\"dimensions\":16}", null)))[0];
        assertArrayEquals(Arrays.copyOf(raw, 16), rawCut);
    }

    @Test
    void dimensionsAndPromptNameMatchOpenAi() throws Exception {
        float[][] cut = vectors(ok(tei("/embed", "{\"inputs\":\"hello\",\"dimensions\":16}", null)));
        assertSameBits(openAi("{\"model\":\"gemma\",\"input\":\"hello\",\"dimensions\":16}"), cut);
        assertEquals(1.0, norm(cut[0]), 1e-6);
        float[][] query = openAi("{\"model\":\"gemma\",\"input\":\"hello\",\"task\":\"query\"}");
        assertSameBits(query, vectors(ok(tei("/embed", "{\"inputs\":\"hello\",\"prompt_name\":\"query\"}", null))));
        assertSameBits(query, vectors(ok(tei("/embed", "{\"inputs\":\"hello\",\"prompt_name\":\"Retrieval-query\"}", null))));
        assertSameBits(openAi("{\"model\":\"gemma\",\"input\":\"hello\",\"task\":\"similarity\"}"),
                vectors(ok(tei("/embed", "{\"inputs\":\"hello\",\"prompt_name\":\"STS\"}", null))));
    }

    @Test
    void overLongInputIs413UnlessTruncatedAndLeftKeepsTheEnd() throws Exception {
        int full = ok(tei("/tokenize", "{\"inputs\":\"" + LONG + "\"}", null)).get(0).size();
        assertTrue(full > 16, "test text too short: " + full);
        assertTeiError(tei("/embed", "{\"inputs\":[\"short\",\"" + LONG + "\"]}", null), 413,
                "input[1] has " + full + " tokens, more than the limit of 16", "Validation");
        float[][] right = vectors(ok(tei("/embed", "{\"inputs\":\"" + LONG + "\",\"truncate\":true}", null)));
        assertSameBits(openAi("{\"model\":\"gemma\",\"input\":\"" + LONG + "\"}"), right);
        assertSameBits(right, vectors(ok(tei("/embed", "{\"inputs\":\"" + LONG + "\",\"truncate\":true,\"truncation_direction\":\"Right\"}", null))));
        // Left: BOS, then the last 14 text tokens, then EOS
        JsonNode toks = ok(tei("/tokenize", "{\"inputs\":\"" + LONG + "\"}", null)).get(0);
        int[] kept = new int[16];
        kept[0] = toks.get(0).get("id").intValue();
        for (int i = 1; i < 16; i++) kept[i] = toks.get(full - 16 + i).get("id").intValue();
        float[][] left = vectors(ok(tei("/embed", "{\"inputs\":\"" + LONG + "\",\"truncate\":true,\"truncation_direction\":\"Left\"}", null)));
        assertSameBits(openAi("{\"model\":\"gemma\",\"input\":" + Arrays.toString(kept) + "}"), left);
        assertFalse(Arrays.equals(left[0], right[0]));
    }

    @Test
    void theModelHeaderPicksAServedModel() throws Exception {
        assertSameBits(openAi("{\"model\":\"q8\",\"input\":\"hello\"}"), vectors(ok(tei("/embed", "{\"inputs\":\"hello\"}", "q8"))));
        assertSameBits(openAi("{\"model\":\"gemma\",\"input\":\"hello\"}"), vectors(ok(tei("/embed", "{\"inputs\":\"hello\"}", "gemma"))));
        assertTeiError(tei("/embed", "{\"inputs\":\"hello\"}", "nope"), 404, "served models: gemma, q8", "Validation");
    }

    @Test
    void tokenizeListsEachTokenWithItsText() throws Exception {
        JsonNode all = ok(tei("/tokenize", "{\"inputs\":[\"Hello world\",\"hi\"]}", null));
        assertEquals(2, all.size());
        JsonNode t = all.get(0);
        JsonNode first = t.get(0);
        assertEquals("<bos>", first.get("text").textValue());
        assertTrue(first.get("special").booleanValue());
        for (String f : new String[] {"id", "text", "special", "start", "stop"}) assertTrue(first.has(f), f);
        StringBuilder text = new StringBuilder();
        for (JsonNode tok : t) if (!tok.get("special").booleanValue()) text.append(tok.get("text").textValue());
        assertEquals("Hello world", text.toString());
        JsonNode plain = ok(tei("/tokenize", "{\"inputs\":\"Hello world\",\"add_special_tokens\":false}", null)).get(0);
        assertEquals(t.size() - 2, plain.size());
        assertFalse(plain.get(0).get("special").booleanValue());
        JsonNode prompted = ok(tei("/tokenize", "{\"inputs\":\"Hello world\",\"prompt_name\":\"query\"}", null)).get(0);
        assertTrue(prompted.size() > t.size());
    }

    @Test
    void tokenizeOffsetsAreCodePointSpansThatCoverTheText() throws Exception {
        for (String text : new String[] {"Hello world", "ünïcødé ✓ 日本語 \uD83D\uDE00 end", "  two  spaces\tand\nlines "}) {
            JsonNode toks = ok(tei("/tokenize", "{\"inputs\":" + Json.MAPPER.writeValueAsString(text) + "}", null)).get(0);
            assertTrue(toks.get(0).get("start").isNull() && toks.get(toks.size() - 1).get("stop").isNull(), "BOS/EOS have no span: " + toks);
            int prevStart = -1, prevStop = 0;
            for (int k = 1; k < toks.size() - 1; k++) {
                JsonNode t = toks.get(k);
                int start = t.get("start").intValue(), stop = t.get("stop").intValue();
                assertTrue(stop > start, text + ": token " + k + " has an empty span: " + t);
                // contiguous; BYTE tokens of one character share its span
                assertTrue(start == prevStop || start == prevStart && stop == prevStop, text + ": token " + k + " " + t + " after [" + prevStart + "," + prevStop + ")");
                String span = text.substring(text.offsetByCodePoints(0, start), text.offsetByCodePoints(0, stop));
                assertEquals(span, t.get("text").textValue(), text + ": token " + k);
                prevStart = start;
                prevStop = stop;
            }
            assertEquals(text.codePointCount(0, text.length()), prevStop, text + ": the spans cover the text");
        }
    }

    @Test
    void decodeTurnsIdsBackIntoText() throws Exception {
        JsonNode t = ok(tei("/tokenize", "{\"inputs\":\"Hello world\"}", null)).get(0);
        int[] ids = new int[t.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = t.get(i).get("id").intValue();
        JsonNode one = ok(tei("/decode", "{\"ids\":" + Arrays.toString(ids) + "}", null));
        assertEquals("[\"Hello world\"]", one.toString());
        JsonNode kept = ok(tei("/decode", "{\"ids\":[" + Arrays.toString(ids) + "," + Arrays.toString(ids) + "],\"skip_special_tokens\":false}", null));
        assertEquals(2, kept.size());
        assertTrue(kept.get(1).textValue().startsWith("<bos>Hello world"), kept.toString());
    }

    @Test
    void infoDescribesTheModelAndTheLimits() throws Exception {
        JsonNode i = get(server, "/info", null).json();
        assertEquals("gemma", i.get("model_id").textValue());
        assertEquals(16, i.get("max_input_length").intValue());
        assertEquals(LIMITS.maxQueuedTokens(), i.get("max_batch_tokens").longValue());
        assertEquals(4, i.get("max_client_batch_size").intValue());
        assertEquals(64, i.get("dimensions").get("max").intValue());
        assertEquals(1, i.get("dimensions").get("min").intValue());
        assertEquals("task: search result | query: ", i.get("prompts").get("query").textValue());
        assertEquals("mean", i.get("model_type").get("embedding").get("pooling").textValue());
        assertTrue(i.get("version").isTextual());
        assertEquals("[\"gemma\",\"q8\"]", i.get("models").toString());
    }

    @Test
    void everyBadOptionIsAClear4xxInTeisShape() throws Exception {
        String[][] cases = {
                {"{\"inputs\":5}", "'inputs' must be"},
                {"{\"inputs\":[]}", "'inputs' must not be empty"},
                {"{}", "'inputs' is required"},
                {"{\"inputs\":[\"a\",1]}", "inputs[1]"},
                {"{\"inputs\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}", "at most 4"},
                {"{\"inputs\":\"a\",\"truncate\":\"no\"}", "'truncate'"},
                {"{\"inputs\":\"a\",\"normalize\":1}", "'normalize'"},
                {"{\"inputs\":\"a\",\"truncation_direction\":\"Up\"}", "'truncation_direction'"},
                {"{\"inputs\":\"a\",\"truncation_direction\":3}", "'truncation_direction'"},
                {"{\"inputs\":\"a\",\"prompt_name\":\"poetry\"}", "unknown task"},
                {"{\"inputs\":\"a\",\"prompt_name\":[]}", "'prompt_name'"},
                {"{\"inputs\":\"a\",\"dimensions\":0}", "'dimensions'"},
                {"{\"inputs\":\"a\",\"dimensions\":\"16\"}", "'dimensions'"},
                {"{\"inputs\":\"a\",\"dimensions\":65}", "exceeds"},
                {"{\"inputs\":", "malformed JSON"},
                {"[1]", "JSON object"},
        };
        for (String[] c : cases) assertTeiError(tei("/embed", c[0], null), 400, c[1], "Validation");
        assertTeiError(tei("/tokenize", "{\"inputs\":\"a\",\"add_special_tokens\":\"yes\"}", null), 400, "'add_special_tokens'", "Validation");
        assertTeiError(tei("/tokenize", "{\"inputs\":\"a\",\"prompt_name\":\"poetry\"}", null), 400, "unknown task", "Validation");
        assertTeiError(tei("/tokenize", "{\"inputs\":{}}", null), 400, "'inputs' must be", "Validation");
        assertTeiError(tei("/decode", "{}", null), 400, "'ids' is required", "Validation");
        assertTeiError(tei("/decode", "{\"ids\":\"x\"}", null), 400, "'ids' must be", "Validation");
        assertTeiError(tei("/decode", "{\"ids\":[]}", null), 400, "'ids' must be", "Validation");
        assertTeiError(tei("/decode", "{\"ids\":[[1],\"a\"]}", null), 400, "ids[1]", "Validation");
        assertTeiError(tei("/decode", "{\"ids\":[-1]}", null), 400, "ids[0]", "Validation");
        assertTeiError(tei("/decode", "{\"ids\":[2,999999]}", null), 400, "vocabulary size", "Validation");
        assertTeiError(tei("/decode", "{\"ids\":[2],\"skip_special_tokens\":0}", null), 400, "'skip_special_tokens'", "Validation");
        assertTeiError(get(server, "/embed", null), 405, "use POST", "Validation");
        assertTeiError(tei("/info", "{}", null), 405, "use GET", "Validation");
    }
}
