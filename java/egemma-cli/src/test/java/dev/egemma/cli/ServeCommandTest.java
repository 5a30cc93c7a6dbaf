// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class ServeCommandTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void badArgumentsAreUsageErrors() {
        CliTestSupport.Result r = CliTestSupport.run("serve", "-m", "gemma=/no/such/model.gguf");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("no such file"), r.err());
        String m = CliTestSupport.testdata("golden/small-dense-f32.gguf").toString();
        r = CliTestSupport.run("serve", "-m", "a=" + m, "-m", "a=" + m);
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("given twice"), r.err());
        r = CliTestSupport.run("serve", "-m", "=" + m);
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("name"), r.err());
        r = CliTestSupport.run("serve", "-m", m, "--max-inputs", "0");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("max inputs"), r.err());
        r = CliTestSupport.run("serve", "-m", m, "--q8-order", "fast");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--q8-order") && r.err().contains("'fast'"), r.err());
    }

    /**
     * Issue 30 case 4: an empty key (a script's {@code --api-key "$KEY"} with KEY unset) is a usage error, never an
     * open server; so is an empty EGEMMA_API_KEY. Before, both served without authentication.
     */
    @Test
    void anEmptyApiKeyIsAUsageError() throws Exception {
        String m = CliTestSupport.testdata("golden/small-dense-f32.gguf").toString();
        for (String key : new String[] {"", " "}) {
            // preemptive: before the fix this served (and waited for a signal) forever
            CliTestSupport.Result r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CliTestSupport.run("serve", "-m", m, "--port", "0", "--api-key", key));
            assertEquals(2, r.exit(), r.err());
            assertTrue(r.err().lines().findFirst().orElse("").contains("--api-key is empty"), r.err());
            assertEquals("", r.out());
        }
        // the environment cannot be changed in-process: a real process
        ProcessBuilder pb = new ProcessBuilder(egemma("serve", "-m", m, "--port", "0")).redirectErrorStream(true);
        pb.environment().put("EGEMMA_API_KEY", "");
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "serve started with an empty EGEMMA_API_KEY");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(2, p.exitValue(), out);
            assertTrue(out.contains("EGEMMA_API_KEY is set but empty"), out);
        } finally {
            p.destroyForcibly();
        }
    }

    /** The command line running {@code egemma ARGS} in a fresh JVM on this test's class path. */
    private static List<String> egemma(String... args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
                "-Degemma.packCache=" + System.getProperty("egemma.packCache", "off"),
                "-Degemma.vocabCache=" + System.getProperty("egemma.vocabCache", "off"), "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** A real process: ready on /health, SIGTERM during a request lets it finish, then exit 0 and the port is closed. */
    @Test
    void sigtermFinishesInFlightRequestsAndExitsZero() throws Exception {
        List<String> cmd = egemma("serve", "--port", "0", "--threads", "1",
                "-m", "gemma=" + CliTestSupport.testdata("golden/small-dense-f32.gguf"),
                "-m", CliTestSupport.testdata("golden/small-dense-q8_0.gguf").toString());
        Path err = Files.createTempFile("egemma-serve", ".err");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        try {
            URI base = readyUri(p, err);
            HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertTrue(health.body().contains("\"gemma\"") && health.body().contains("\"small-dense-q8_0\""), health.body());

            // a request big enough to still be running when the signal arrives
            StringBuilder body = new StringBuilder("{\"model\":\"gemma\",\"input\":[");
            for (int i = 0; i < 400; i++) body.append(i == 0 ? "" : ",").append("\"text number ").append(i).append(" with a few more words to embed in it\"");
            body.append("]}");
            CompletableFuture<HttpResponse<String>> inFlight = HTTP.sendAsync(HttpRequest.newBuilder(base.resolve("/v1/embeddings"))
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
            waitUntilInFlight(base);
            p.destroy(); // SIGTERM
            HttpResponse<String> done = inFlight.get(120, TimeUnit.SECONDS);
            assertEquals(200, done.statusCode(), done.body());
            assertTrue(done.body().contains("\"index\":399"), "all 400 embeddings returned");
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the server did not exit after SIGTERM");
            assertEquals(0, p.exitValue(), Files.readString(err));
            assertTrue(Files.readString(err).contains("shutting down"), Files.readString(err));
            assertThrows(ConnectException.class, () -> HTTP.send(HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString()));
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(err);
        }
    }

    static URI readyUri(Process p, Path err) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                for (String l; (l = out.readLine()) != null; ) if (l.contains("ready on")) return l;
                return null;
            } catch (java.io.IOException e) {
                return null;
            }
        });
        String l = line.get(120, TimeUnit.SECONDS);
        if (l == null) fail("the server exited before becoming ready:\n" + Files.readString(err));
        Matcher m = Pattern.compile("ready on (http://\\S+)").matcher(l);
        assertTrue(m.find(), l);
        return URI.create(m.group(1));
    }

    /** Waits until /metrics shows a request in flight besides the /metrics request itself. */
    private static void waitUntilInFlight(URI base) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            String m = HTTP.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            for (String l : m.split("\n"))
                if (l.startsWith("egemma_requests_in_flight ") && Double.parseDouble(l.substring(26)) >= 2) return;
            Thread.sleep(5);
        }
        fail("the embeddings request never showed as in flight");
    }

}
