// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real third-party npm client for the tests: installed once into a scratch directory under target/, its script run
 * by node against a server on loopback. When npm, node or the registry is unavailable the test is skipped with a
 * printed reason, except under CI (CI=true), where that is a failure.
 */
final class NodeClient {
    private static final boolean CI = "true".equalsIgnoreCase(System.getenv("CI"));

    private final String tag;
    private final Path dir;
    private final String node;

    private NodeClient(String tag, Path dir, String node) {
        this.tag = tag;
        this.dir = dir;
        this.node = node;
    }

    /** The package {@code spec} (e.g. {@code openai@4}) installed under target/npm-{@code name}, or the test skipped. */
    static NodeClient install(String name, String spec, String script) throws IOException, InterruptedException {
        String tag = "[" + name + "-node]";
        Path dir = Path.of("target", "npm-" + name).toAbsolutePath();
        String npm = onPath("npm"), node = onPath("node");
        if (npm == null || node == null) skip(tag, "npm or node is not on the PATH");
        Files.createDirectories(dir);
        if (!Files.isDirectory(dir.resolve("node_modules/" + name))) {
            Files.writeString(dir.resolve("package.json"), "{\"name\":\"egemma-" + name + "-client-test\",\"private\":true,\"type\":\"module\"}");
            Result r = run(dir, 300, npm, "install", "--no-audit", "--no-fund", "--loglevel=error", spec);
            if (r.exit != 0) skip(tag, "npm install " + spec + " failed (exit " + r.exit + "): " + r.output);
        }
        Files.writeString(dir.resolve("client.mjs"), script);
        return new NodeClient(tag, dir, node);
    }

    /** Runs the script with {@code args}; its last output line (JSON, by convention), or the test fails. */
    String run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(node, "client.mjs"));
        cmd.addAll(List.of(args));
        Result r = run(dir, 120, cmd.toArray(String[]::new));
        if (r.exit != 0) fail(tag + " node client failed (exit " + r.exit + "):\n" + r.output);
        return r.output.strip().lines().reduce((a, b) -> b).orElse("");
    }

    private static void skip(String tag, String reason) {
        if (CI) fail("CI=true but " + reason + ": the npm client tests must run in CI");
        System.out.println(tag + " skipped: " + reason);
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
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
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
