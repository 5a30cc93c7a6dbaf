// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 30: every user error is one line {@code egemma <command>: <what and where>} on stderr, nothing on stdout,
 * exit 2 for a wrong command line and 1 for a failure; the stack trace only with {@code --verbose}. Each case
 * here printed a Java stack trace, exited 0 with its output lost, hung, or named nothing before the fix.
 */
class UserErrorsTest {
    static final Path MODEL = CliTestSupport.testdata("golden/small-dense-q8_0.gguf");

    /** Runs the CLI and checks the one-line contract; returns the line. */
    static String oneLine(int exit, String command, String... args) {
        CliTestSupport.Result r = CliTestSupport.run(args);
        return check(r, exit, command);
    }

    static String check(CliTestSupport.Result r, int exit, String command) {
        String line = r.err().strip();
        assertEquals(exit, r.exit(), r.err());
        assertEquals("", r.out(), "nothing on stdout");
        assertFalse(line.contains("\n"), "one line, no stack trace: " + r.err());
        assertFalse(line.contains("Exception"), "no exception class names: " + line);
        assertTrue(line.startsWith("egemma " + command + ": "), line);
        return line;
    }

    @Test
    void aModelThatIsMissingADirectoryEmptyOrNotGgufIsOneLineNamingIt(@TempDir Path dir) throws Exception {
        assertTrue(oneLine(1, "embed", "embed", "-m", "/nonexistent.gguf", "hi").endsWith("/nonexistent.gguf: no such file or directory"));
        assertTrue(oneLine(1, "embed", "embed", "-m", dir.toString(), "hi").endsWith(dir + ": is a directory, not a GGUF file"));
        Path empty = Files.createFile(dir.resolve("empty.gguf"));
        assertTrue(oneLine(1, "embed", "embed", "-m", empty.toString(), "hi").contains(empty + ": at byte 0"));
        Path text = Files.writeString(dir.resolve("text.gguf"), "hello\n");
        assertTrue(oneLine(1, "embed", "embed", "-m", text.toString(), "hi").contains("magic"));
        Path truncated = dir.resolve("truncated.gguf");
        Files.write(truncated, java.util.Arrays.copyOf(Files.readAllBytes(MODEL), 100));
        assertTrue(oneLine(1, "embed", "embed", "-m", truncated.toString(), "hi").contains(truncated.toString()));
        for (String cmd : new String[] {"inspect", "tokenize", "export-embeddings", "bench", "distill", "serve"}) {
            String[] args = switch (cmd) {
                case "inspect" -> new String[] {cmd, "/nonexistent.gguf"};
                case "tokenize" -> new String[] {cmd, "-m", "/nonexistent.gguf", "hi"};
                case "export-embeddings" -> new String[] {cmd, "-m", "/nonexistent.gguf", "-o", dir.resolve("x.npy").toString()};
                case "distill" -> new String[] {cmd, "-m", "/nonexistent.gguf", "-o", dir.resolve("x.emb8").toString(), "--quiet"};
                case "serve" -> new String[] {cmd, "-m", "/nonexistent.gguf", "--port", "0"};
                default -> new String[] {cmd, "-m", "/nonexistent.gguf"};
            };
            CliTestSupport.Result r = CliTestSupport.run(args);
            String last = r.err().strip().lines().reduce((a, b) -> b).orElse("");
            assertEquals(cmd.equals("serve") ? 2 : 1, r.exit(), cmd + ": " + r.err()); // serve checks its -m before it binds: a usage error
            assertTrue(last.startsWith("egemma " + cmd + ": ") && last.contains("/nonexistent.gguf") && last.contains("no such file"), cmd + ": " + r.err());
            assertFalse(r.err().contains("\tat "), cmd + ": " + r.err());
        }
    }

    @Test
    void verboseAddsTheStackTrace() {
        CliTestSupport.Result r = CliTestSupport.run("embed", "-m", "/nonexistent.gguf", "--verbose", "hi");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("egemma embed: /nonexistent.gguf: no such file or directory"), r.err());
        assertTrue(r.err().contains("NoSuchFileException") && r.err().contains("\tat "), r.err());
    }

    @Test
    void countsBelowOneAreUsageErrors() {
        for (String[] opt : new String[][] {{"--threads", "0"}, {"--dim", "-5"}, {"--dim", "0"}, {"--max-batch-tokens", "0"}}) {
            String line = oneLine(2, "embed", "embed", "-m", MODEL.toString(), opt[0], opt[1], "hi");
            assertTrue(line.contains(opt[0]) && line.contains("must be >= 1, got " + opt[1]), line);
        }
        String serve = oneLine(2, "serve", "serve", "-m", MODEL.toString(), "--threads", "0", "--port", "0");
        assertTrue(serve.contains("--threads"), serve);
        assertTrue(oneLine(2, "bench", "bench", "-m", MODEL.toString(), "--repeat", "0").contains("--repeat"));
    }

    @Test
    void tenThousandThreadsIsRefusedAtOnce() {
        String line = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> oneLine(1, "embed", "embed", "-m", MODEL.toString(), "--threads", "10000", "hi"));
        assertTrue(line.contains("threads must be 1.." + dev.egemma.Embedder.Options.maxThreads()), line);
    }

    @Test
    void inputProblemsNameTheInputAndLine(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.txt");
        byte[] lines = "first line\nsecond line\n".repeat(3000).getBytes(StandardCharsets.UTF_8); // 6,000 good lines...
        byte[] all = java.util.Arrays.copyOf(lines, lines.length + 12);
        System.arraycopy(new byte[] {'o', 'k', (byte) 0xff, (byte) 0xfe, ' ', 'b', 'a', 'd', '\n', 'x', 'y', '\n'}, 0, all, lines.length, 12);
        Files.write(bad, all); // ...then line 6,001 holds bytes that are not UTF-8
        assertTrue(oneLine(1, "embed", "embed", "-m", MODEL.toString(), "-i", bad.toString()).endsWith(bad + ":6001: not valid UTF-8"));
        CliTestSupport.Result tok = CliTestSupport.run("tokenize", "-m", MODEL.toString(), "-i", bad.toString());
        assertEquals(1, tok.exit()); // tokenize streams: the 6,000 good lines are out already
        assertEquals("egemma tokenize: " + bad + ":6001: not valid UTF-8", tok.err().strip());
        assertEquals(6000, tok.out().lines().count());
        // stdin was decoded leniently (U+FFFD for the bad bytes) and its texts embedded: refused now, as from a file
        assertTrue(withStdin(all, () -> oneLine(1, "embed", "embed", "-m", MODEL.toString(), "-i", "-")).endsWith("stdin:6001: not valid UTF-8"));

        assertTrue(oneLine(1, "embed", "embed", "-m", MODEL.toString(), "-i", dir.resolve("nope.txt").toString())
                .endsWith(dir.resolve("nope.txt") + ": no such file or directory"));
        Path jsonl = Files.writeString(dir.resolve("t.jsonl"), "{\"text\": \"a\"}\n\n{\"txt\": 1}\n");
        assertTrue(oneLine(1, "embed", "embed", "-m", MODEL.toString(), "-i", jsonl.toString(), "--input-format", "jsonl")
                .endsWith(jsonl + ":3: expected an object with a string \"text\" field"));

        Path longText = Files.writeString(dir.resolve("long.txt"), "short\n" + "word ".repeat(3000) + "\n");
        String line = oneLine(1, "embed", "embed", "-m", MODEL.toString(), "--truncation", "error", "-i", longText.toString());
        assertTrue(line.startsWith("egemma embed: " + longText + ":2: "), line);
        line = oneLine(1, "embed", "embed", "-m", MODEL.toString(), "--truncation", "error", "ok", "word ".repeat(3000));
        assertTrue(line.startsWith("egemma embed: TEXT argument 2: "), line);
    }

    @Test
    void outputThatCannotBeWrittenIsAFailure(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isWritable(Path.of("/dev/full")), "needs Linux's /dev/full (a device whose writes fail with ENOSPC)");
        for (String format : new String[] {"jsonl", "csv", "npy"}) {
            String line = oneLine(1, "embed", "embed", "-m", MODEL.toString(), "--format", format, "-o", "/dev/full", "hi");
            assertEquals("egemma embed: cannot write /dev/full: No space left on device", line);
            CliTestSupport.Result r = toDevFull("embed", "-m", MODEL.toString(), "--format", format, "hi");
            assertEquals(1, r.exit(), format + ": exit 0 with the vectors lost");
            assertEquals("egemma embed: cannot write to standard output (disk full or pipe closed?)", r.err().strip());
        }
        CliTestSupport.Result t = toDevFull("tokenize", "-m", MODEL.toString(), "hi");
        assertEquals(1, t.exit());
        assertEquals("egemma tokenize: cannot write to standard output (disk full or pipe closed?)", t.err().strip());
        Path unwritable = dir.resolve("no-such-dir").resolve("out.jsonl");
        assertEquals("egemma embed: cannot write " + unwritable + ": no such file or directory",
                oneLine(1, "embed", "embed", "-m", MODEL.toString(), "-o", unwritable.toString(), "hi"));
        assertTrue(oneLine(1, "export-embeddings", "export-embeddings", "-m", MODEL.toString(), "-o", "/dev/full")
                .endsWith("cannot write /dev/full: No space left on device"));
    }

    @Test
    void damagedHyperParametersAndTokenIdsAreRefusedAtOpenAndInspectListsThem(@TempDir Path dir) throws Exception {
        String bos = CliTestSupport.embedFailure(MODEL, dir, w -> w.putU32("tokenizer.ggml.bos_token_id", 999_999));
        assertTrue(bos.contains("tokenizer.ggml.bos_token_id = 999999 is not a token id"), bos);
        String eos = CliTestSupport.embedFailure(MODEL, dir, w -> w.putU32("tokenizer.ggml.eos_token_id", 0xFFFFFFFFL));
        assertTrue(eos.contains("tokenizer.ggml.eos_token_id = 4294967295 is not a token id"), eos);
        CliTestSupport.Result inspect = CliTestSupport.run("inspect", dir.resolve("model.gguf").toString());
        assertTrue(inspect.out().contains("eos_token_id = 4294967295 is not a token id"), inspect.out());

        String ctx = CliTestSupport.embedFailure(MODEL, dir, w -> w.putU32("gemma-embedding.context_length", 0));
        assertTrue(ctx.endsWith("gemma-embedding.context_length = 0 must be 1..131072"), ctx);

        // block_count 1e9 made embed, inspect and serve run for minutes while memory grew past 5 GB
        String layers = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> CliTestSupport.embedFailure(MODEL, dir, w -> w.putU32("gemma-embedding.block_count", 1_000_000_000)));
        assertTrue(layers.contains("block_count 1000000000 exceeds 512"), layers);
        CliTestSupport.Result r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> CliTestSupport.run("inspect", dir.resolve("model.gguf").toString()));
        assertTrue(r.out().contains("block_count 1000000000 exceeds 512"), r.out());
    }

    /** The CLI with stdout going to /dev/full (System.out then only sets its error flag, as a real full disk does). */
    private static CliTestSupport.Result toDevFull(String... args) throws Exception {
        PrintStream old = System.out, oldErr = System.err;
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        try (PrintStream full = new PrintStream(new FileOutputStream("/dev/full"), true)) {
            System.setOut(full);
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = Main.run(args);
            return new CliTestSupport.Result(exit, "", err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
            System.setErr(oldErr);
        }
    }

    private static <T> T withStdin(byte[] bytes, java.util.concurrent.Callable<T> body) throws Exception {
        InputStream old = System.in;
        try {
            System.setIn(new ByteArrayInputStream(bytes));
            return body.call();
        } finally {
            System.setIn(old);
        }
    }
}
