// SPDX-License-Identifier: Apache-2.0
package dev.egemma.bench;

import dev.egemma.Backend;
import dev.egemma.Embedder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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

/**
 * {@code Embedder.open} of a model in a warm JVM (issue 27's "<= 50 ms" on the full-shape Q8_0 model), with and
 * without the first embedding: the file is in the page cache and its packed weights in the pack cache (written by
 * the setup's first open), so the second figure is what a service pays to bring a model up once the JVM is running.
 * Each invocation opens, (embeds "Hello world",) and closes one Embedder; the score is the mean time of one.
 *
 * <pre>java -jar java/egemma-bench/target/benchmarks.jar EmbedderOpenBenchmark -p model=/path/to/full-q8_0.gguf</pre>
 * Without {@code -p model=...} it opens {@code testdata/golden/small-dense-q8_0.gguf}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC"})
public class EmbedderOpenBenchmark {
    @Param("")
    public String model;

    @Param("2")
    public int threads;

    private Path path;
    private Embedder.Options options;
    private Path cacheDir;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        path = Path.of(model.isEmpty() ? "testdata/golden/small-dense-q8_0.gguf" : model);
        cacheDir = Files.createTempDirectory("egemma-bench-packs");
        System.setProperty("egemma.packCache", cacheDir.toString());
        options = Embedder.Options.defaults().withBackend(Backend.NATIVE).withThreads(threads);
        try (Embedder e = Embedder.open(path, options)) {
            e.embed("Hello world"); // packs once and writes the pack cache
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try (var files = Files.list(cacheDir)) {
            for (Path p : files.toList()) Files.deleteIfExists(p);
        }
        Files.deleteIfExists(cacheDir);
    }

    @Benchmark
    public int open() throws IOException {
        try (Embedder e = Embedder.open(path, options)) {
            return e.dimension();
        }
    }

    @Benchmark
    public float[] openAndEmbed() throws IOException {
        try (Embedder e = Embedder.open(path, options)) {
            return e.embed("Hello world");
        }
    }
}
