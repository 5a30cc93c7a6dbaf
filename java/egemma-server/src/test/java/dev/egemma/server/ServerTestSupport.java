// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.egemma.Backend;
import dev.egemma.Embedder;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Starting servers over the golden models and talking to them with the JDK's HttpClient. */
final class ServerTestSupport {
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

    /** Two compute threads: the machine's share; the tests are about the HTTP layer, not speed. */
    static final Embedder.Options OPTIONS = Embedder.Options.defaults().withBackend(Backend.JAVA).withThreads(2);

    private ServerTestSupport() {}

    static Path golden(String name) {
        String d = System.getProperty("egemma.testdata");
        Path p = (d != null ? Path.of(d) : Path.of("../../testdata")).resolve("golden/" + name + ".gguf");
        if (!Files.exists(p)) throw new IllegalStateException("missing test file " + p);
        return p;
    }

    /** A started and ready server serving the named golden models (name -> golden file stem). */
    static EmbeddingServer serve(EmbeddingServer.Config config, Map<String, EmbeddingModelHandle> models) throws IOException {
        EmbeddingServer s = EmbeddingServer.start(config);
        s.ready(new ServedModels(models, 0));
        return s;
    }

    static Map<String, EmbeddingModelHandle> goldenModels(String... nameStemPairs) throws IOException {
        Map<String, EmbeddingModelHandle> m = new LinkedHashMap<>();
        for (int i = 0; i < nameStemPairs.length; i += 2) m.put(nameStemPairs[i], EmbedderHandle.open(golden(nameStemPairs[i + 1]), OPTIONS));
        return m;
    }

    static EmbeddingServer.Config config(Limits limits, String apiKey) {
        return new EmbeddingServer.Config("127.0.0.1", 0, apiKey, limits);
    }

    record Reply(int status, HttpResponse<String> raw, JsonNode json) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    static Reply post(EmbeddingServer s, String path, String json) throws IOException, InterruptedException {
        return post(s, path, json.getBytes(StandardCharsets.UTF_8), null);
    }

    static Reply post(EmbeddingServer s, String path, byte[] body, String apiKey) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(s.uri().resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (apiKey != null) b.header("Authorization", "Bearer " + apiKey);
        return send(b.build());
    }

    static Reply get(EmbeddingServer s, String path, String apiKey) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(s.uri().resolve(path)).timeout(Duration.ofSeconds(60)).GET();
        if (apiKey != null) b.header("Authorization", "Bearer " + apiKey);
        return send(b.build());
    }

    static Reply send(HttpRequest r) throws IOException, InterruptedException {
        HttpResponse<String> resp = CLIENT.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        JsonNode json = null;
        String ct = resp.headers().firstValue("Content-Type").orElse("");
        if (ct.startsWith("application/json")) json = Json.MAPPER.readTree(resp.body());
        return new Reply(resp.statusCode(), resp, json);
    }

    /**
     * Asserts an error reply: the status, the route's error shape (Ollama's {@code {"error":"text"}} on {@code /api/},
     * OpenAI's with all four fields elsewhere), a message mentioning {@code mentions}, and no trace of Java
     * internals. Returns the error object, or the text node on Ollama's routes.
     */
    static JsonNode assertError(Reply r, int status, String mentions) {
        assertEquals(status, r.status(), () -> "status; body: " + r.raw().body());
        assertTrue(r.json() != null && r.json().has("error"), () -> "error object expected, got " + r.raw().body());
        JsonNode e = r.json().get("error");
        JsonNode message = e;
        if (r.raw().request().uri().getPath().startsWith("/api/")) {
            assertTrue(e.isTextual(), () -> "Ollama's error shape {\"error\":\"text\"} expected, got " + r.raw().body());
            assertEquals(1, r.json().size(), r.raw().body());
        } else {
            for (String f : new String[] {"message", "type", "param", "code"}) assertTrue(e.has(f), "error." + f + " missing: " + e);
            message = e.get("message");
        }
        assertTrue(message.isTextual() && !message.textValue().isBlank(), e.toString());
        assertTrue(message.textValue().contains(mentions), () -> "message should mention '" + mentions + "': " + e);
        String body = r.raw().body();
        assertFalse(body.contains("\tat ") || body.contains("at dev.egemma") || body.contains("Exception") || body.contains("java."),
                () -> "internals leaked: " + body);
        return e;
    }

    /** Waits (up to 5 s) until {@code /metrics} contains {@code text}, e.g. a gauge's line. */
    static void awaitMetrics(EmbeddingServer s, String text) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        String metrics = "";
        while (System.nanoTime() < deadline) {
            metrics = get(s, "/metrics", null).raw().body();
            if (metrics.contains(text)) return;
            Thread.sleep(10);
        }
        throw new AssertionError("/metrics never showed '" + text.strip() + "':\n" + metrics);
    }

    static float[] floats(JsonNode arr) {
        float[] f = new float[arr.size()];
        for (int i = 0; i < f.length; i++) f[i] = arr.get(i).floatValue();
        return f;
    }

    /**
     * Runs the kernels until the JIT has compiled them: the Java kernels' Vector API reductions may sum in a
     * different order before and after compilation, so reference vectors are computed warm, like the server's.
     */
    static void warmUp(Embedder e) {
        String text = "warm up the kernels with a text of a few dozen tokens, long enough to run every loop many times over";
        for (int i = 0; i < 40; i++) e.embed(text + i);
    }

    static void assertClose(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + ": dimension");
        for (int i = 0; i < want.length; i++)
            if (Math.abs(want[i] - got[i]) > tol) throw new AssertionError(what + "[" + i + "]: " + got[i] + " vs " + want[i] + " (tolerance " + tol + ")");
    }
}
