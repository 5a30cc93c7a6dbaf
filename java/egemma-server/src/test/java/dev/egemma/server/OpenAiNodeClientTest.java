package dev.egemma.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.egemma.Embedder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.egemma.server.ServerTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real third-party client: the official {@code openai} npm package, installed into a scratch directory under
 * target/, calls {@code /v1/embeddings} (its default base64 encoding and the float one) and must get the library's
 * vectors. Skipped with a printed reason when npm or the registry is unavailable, except under CI (CI=true),
 * where that is a failure.
 */
class OpenAiNodeClientTest {
    private static final boolean CI = "true".equalsIgnoreCase(System.getenv("CI"));

    private static final String CLIENT = """
            import OpenAI from 'openai';
            const client = new OpenAI({ baseURL: process.argv[2], apiKey: process.argv[3], maxRetries: 0 });
            const input = JSON.parse(process.argv[4]);
            const dflt = await client.embeddings.create({ model: 'gemma', input });
            const asFloat = await client.embeddings.create({ model: 'gemma', input, encoding_format: 'float' });
            const dims = await client.embeddings.create({ model: 'gemma', input: input[0], dimensions: 16 });
            let notFound = null;
            try { await client.embeddings.create({ model: 'no-such-model', input: 'x' }); }
            catch (e) { notFound = { status: e.status, message: e.message }; }
            console.log(JSON.stringify({
              model: dflt.model, usage: dflt.usage,
              dflt: dflt.data.map(d => Array.from(d.embedding)),
              asFloat: asFloat.data.map(d => d.embedding),
              dims: dims.data[0].embedding, notFound }));
            """;

    @Test
    void officialOpenAiNodeClientGetsTheLibrarysVectors() throws Exception {
        Path dir = Path.of("target", "npm-openai").toAbsolutePath();
        String npm = onPath("npm"), node = onPath("node");
        if (npm == null || node == null) skip("npm or node is not on the PATH");
        Files.createDirectories(dir);
        if (!Files.isDirectory(dir.resolve("node_modules/openai"))) {
            Files.writeString(dir.resolve("package.json"), "{\"name\":\"egemma-openai-client-test\",\"private\":true,\"type\":\"module\"}");
            Result r = run(dir, 300, npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "openai@4");
            if (r.exit != 0) skip("npm install openai failed (exit " + r.exit + "): " + r.output);
        }
        Files.writeString(dir.resolve("client.mjs"), CLIENT);

        List<String> texts = List.of("Hello from the openai npm client", "second input, with ünïcødé", "3");
        try (EmbeddingServer s = serve(config(Limits.defaults(), "node-key"), goldenModels("gemma", "small-dense-f32"));
             Embedder lib = Embedder.open(golden("small-dense-f32"), OPTIONS)) {
            warmUp(lib);
            Result r = run(dir, 120, node, "client.mjs", s.uri() + "/v1", "node-key", Json.MAPPER.writeValueAsString(texts));
            if (r.exit != 0) fail("node client failed (exit " + r.exit + "):\n" + r.output);
            String last = r.output.strip().lines().reduce((a, b) -> b).orElse("");
            JsonNode j = Json.MAPPER.readTree(last);
            float[][] want = lib.embed(texts);
            assertEquals("gemma", j.get("model").textValue());
            int tokens = 0;
            for (String t : texts) tokens += lib.tokenize(t).length;
            assertEquals(tokens, j.get("usage").get("prompt_tokens").intValue());
            for (int i = 0; i < texts.size(); i++) {
                assertClose(want[i], floats(j.get("dflt").get(i)), 1e-6, "default (base64) encoding, text " + i);
                assertClose(want[i], floats(j.get("asFloat").get(i)), 1e-6, "float encoding, text " + i);
            }
            assertClose(EmbeddingService.matryoshka(new float[][] {want[0]}, 16)[0], floats(j.get("dims")), 1e-6, "dimensions 16");
            assertEquals(404, j.get("notFound").get("status").intValue());
            System.out.println("[openai-node] " + texts.size() + " texts: vectors equal to the library's (base64 and float)");
        }
    }

    private static void skip(String reason) {
        if (CI) fail("CI=true but " + reason + ": the openai npm client test must run in CI");
        System.out.println("[openai-node] skipped: " + reason);
        Assumptions.abort(reason);
    }

    private static String onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String d : path.split(File.pathSeparator)) {
            Path p = Path.of(d, exe);
            if (Files.isExecutable(p)) return p.toString();
        }
        return null;
    }

    private record Result(int exit, String output) {}

    private static Result run(Path dir, int timeoutSeconds, String... cmd) throws IOException, InterruptedException {
        Path log = Files.createTempFile("egemma-node", ".log");
        try {
            Process p = new ProcessBuilder(new ArrayList<>(List.of(cmd))).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out after " + timeoutSeconds + " s: " + String.join(" ", cmd));
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
