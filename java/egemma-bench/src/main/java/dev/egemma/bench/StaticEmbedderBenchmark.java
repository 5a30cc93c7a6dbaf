// SPDX-License-Identifier: Apache-2.0
package dev.egemma.bench;

import dev.egemma.staticembed.Distiller;
import dev.egemma.staticembed.StaticEmbedder;
import dev.egemma.synth.SynthSpec;
import dev.egemma.synth.SyntheticModel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The static EMB8 embedder: time to open a file (map, validate, rebuild the tokenizer) and time per short
 * text, single-threaded, cycling through the corpus lines (tokenize + average + normalize).
 *
 * <p>Run: {@code java -jar java/egemma-bench/target/benchmarks.jar StaticEmbedderBenchmark -p emb8=model.emb8}.
 * Without {@code -p emb8=...} a 256-dim table is distilled ({@code --method table}) from the full-shape
 * synthetic Q8_0 model (262,144-token vocabulary) once into the temp directory and reused; {@code -p model=...}
 * names another GGUF to distil from instead.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"})
public class StaticEmbedderBenchmark {
    @Param("")
    public String emb8;

    @Param("")
    public String model;

    @Param("testdata/corpus/corpus-1000.txt")
    public String corpus;

    private Path path;
    private StaticEmbedder embedder;
    private String[] lines;
    private int next;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        path = !emb8.isEmpty() ? Path.of(emb8) : distilled();
        embedder = StaticEmbedder.open(path);
        List<String> all = Files.readAllLines(Path.of(corpus), StandardCharsets.UTF_8);
        lines = all.toArray(String[]::new);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        embedder.close();
    }

    private Path distilled() throws IOException {
        Path gguf = !model.isEmpty() ? Path.of(model) : fullModel();
        Path out = Path.of(System.getProperty("java.io.tmpdir"), "egemma-bench-static-" + gguf.getFileName() + "-table-256.emb8");
        if (!Files.exists(out)) Distiller.distillToFile(gguf, out, Distiller.Options.defaults().withMethod(Distiller.Method.TABLE).withDim(256));
        return out;
    }

    private static Path fullModel() throws IOException {
        Path p = Path.of(System.getProperty("java.io.tmpdir"), "egemma-bench-full-q8_0-seed1234.gguf");
        if (!Files.exists(p)) {
            Path tmp = Files.createTempFile(p.getParent(), "egemma-bench", ".gguf");
            SyntheticModel.write(SynthSpec.full(), Path.of(System.getProperty("egemma.vocab", "testdata/embeddinggemma-vocab.gguf")), tmp);
            Files.move(tmp, p, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        return p;
    }

    /** Map, validate and rebuild the tokenizer: the embedder is ready to embed. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public int load() throws IOException {
        try (StaticEmbedder e = StaticEmbedder.open(path)) {
            return e.dimension();
        }
    }

    /** One corpus line (the next one each call): tokenize, average the rows, normalize. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public float[] embedShortText() {
        String s = lines[next];
        next = next + 1 == lines.length ? 0 : next + 1;
        return embedder.embed(s);
    }

    /** The tokenizer's share of {@link #embedShortText}. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int[] tokenizeShortText() {
        String s = lines[next];
        next = next + 1 == lines.length ? 0 : next + 1;
        return embedder.tokenize(s);
    }
}
