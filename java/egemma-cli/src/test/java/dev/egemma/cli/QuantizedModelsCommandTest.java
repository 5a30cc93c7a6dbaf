// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.egemma.Backend;
import dev.egemma.Embedder;
import dev.egemma.testing.GoldenQuant;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 24: {@code embed}, {@code bench} and {@code serve} accept the quantized files people download and Ollama's
 * {@code gemma3} blobs ({@code testdata/golden-quant/}). On the native backend libegemma hands these types' products
 * to the Java kernels. The vectors equal the library's and are within issue 24's bounds of llama.cpp's.
 */
class QuantizedModelsCommandTest {
    static final List<String> TEXTS = List.of("Hello world", "The quick brown fox jumps over the lazy dog.", GoldenQuant.QUERY_PROMPTED);

    static Stream<Arguments> filesAndBackends() {
        return Stream.of("q256-q4_k_m", "q256-q4_k_m-ollama", "q256-iq4_xs")
                .flatMap(f -> Stream.of(Arguments.of(f, Backend.JAVA), Arguments.of(f, Backend.NATIVE)));
    }

    /** A JSON array of numbers as the floats it prints (shortest round-trip text). */
    static float[] vector(JsonNode arr) {
        float[] f = new float[arr.size()];
        for (int j = 0; j < f.length; j++) f[j] = Float.parseFloat(arr.get(j).asText());
        return f;
    }

    static String backend(Backend b) {
        if (b == Backend.NATIVE) CliTestSupport.requireNative();
        return b.name().toLowerCase(Locale.ROOT);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("filesAndBackends")
    void embedEqualsTheLibraryAndLlamaCpp(String file, Backend backend) throws Exception {
        Path model = GoldenQuant.model(file);
        List<String> args = new ArrayList<>(List.of("embed", "-m", model.toString(), "--backend", backend(backend), "--threads", "2"));
        args.addAll(TEXTS);
        var r = CliTestSupport.run(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(TEXTS.size(), lines.length, r.out());
        float[][] api;
        try (Embedder e = Embedder.open(model, Embedder.Options.defaults().withBackend(backend).withThreads(1))) {
            api = e.embed(TEXTS);
        }
        for (int i = 0; i < TEXTS.size(); i++) {
            float[] got = vector(EmbedCommandTest.JSON.readTree(lines[i]).get("embedding"));
            assertEquals(api[i].length, got.length, "dimension");
            for (int j = 0; j < got.length; j++) assertEquals(api[i][j], got[j], "text " + i + " value " + j);
            GoldenQuant.assertMatches(file, TEXTS.get(i), got);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void benchRunsOnAQuantizedFile(Backend backend, @TempDir Path tmp) throws Exception {
        Path corpus = tmp.resolve("corpus.txt");
        Files.writeString(corpus, String.join("\n", TEXTS.subList(0, 2)) + "\n", StandardCharsets.UTF_8);
        JsonNode n = BenchCommandTest.json(CliTestSupport.run("bench", "-m", GoldenQuant.model("q256-iq4_xs").toString(), "-i", corpus.toString(),
                "--backend", backend(backend), "--threads", "2", "--warmup", "0", "--repeat", "1", "--json"));
        assertEquals(2, n.get("texts").asInt());
        assertEquals(backend(backend), n.get("backend").asText());
        assertTrue(n.get("tokens").asLong() > 2 && n.get("wall_s").asDouble() > 0, n.toString());
    }

    static Stream<Backend> backends() {
        return Stream.of(Backend.JAVA, Backend.NATIVE);
    }

    /** A real {@code egemma serve} process over a quantized file and an Ollama blob. */
    @Test
    void serveEmbedsWithQuantizedFilesAndOllamaBlobs() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path err = Files.createTempFile("egemma-serve", ".err");
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
                "-Degemma.packCache=" + System.getProperty("egemma.packCache", "off"),
                "-Degemma.vocabCache=" + System.getProperty("egemma.vocabCache", "off"), "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve", "--port", "0", "--threads", "2",
                "-m", "q4=" + GoldenQuant.model("q256-q4_k_m"), "-m", "ollama=" + GoldenQuant.model("q256-q4_k_m-ollama"))
                .redirectError(err.toFile()).start();
        try {
            URI base = ServeCommandTest.readyUri(p, err);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (String name : new String[] {"q4", "ollama"}) {
                String body = "{\"model\":\"" + name + "\",\"input\":" + EmbedCommandTest.JSON.writeValueAsString(TEXTS) + "}";
                HttpResponse<String> resp = http.send(HttpRequest.newBuilder(base.resolve("/v1/embeddings"))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, resp.statusCode(), resp.body());
                JsonNode data = EmbedCommandTest.JSON.readTree(resp.body()).get("data");
                assertEquals(TEXTS.size(), data.size());
                for (int i = 0; i < TEXTS.size(); i++) {
                    GoldenQuant.assertMatches(name.equals("q4") ? "q256-q4_k_m" : "q256-q4_k_m-ollama", TEXTS.get(i), vector(data.get(i).get("embedding")));
                }
            }
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(err);
        }
    }
}
