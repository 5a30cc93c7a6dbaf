// SPDX-License-Identifier: Apache-2.0
package dev.egemma.bench;

import dev.egemma.Backend;
import dev.egemma.Embedder;
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
 * The whole forward pass on the full-shape synthetic Q8_0 model (Java kernels): "Hello world" latency and the
 * time to embed the first {@code texts} lines of the benchmark corpus (tokens/s = corpus tokens / that time;
 * the token count is printed at setup).
 *
 * <p>Run: {@code java -jar java/egemma-bench/target/benchmarks.jar ForwardBenchmark -p model=/path/full-q8_0.gguf
 * -p corpus=testdata/corpus/corpus-1000.txt}. Without {@code model} the model is generated once with
 * {@code synth --preset full} into the temp directory.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"})
public class ForwardBenchmark {
    @Param("")
    public String model;

    @Param("testdata/corpus/corpus-1000.txt")
    public String corpus;

    @Param({"2"})
    public int threads;

    @Param({"200"})
    public int texts;

    private Embedder embedder;
    private List<String> lines;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        Path p = model.isEmpty() ? generatedFullModel() : Path.of(model);
        embedder = Embedder.open(p, Embedder.Options.defaults().withBackend(Backend.JAVA).withThreads(threads));
        lines = Files.readAllLines(Path.of(corpus), StandardCharsets.UTF_8).subList(0, texts);
        long tokens = lines.stream().mapToLong(l -> embedder.tokenize(l).length).sum();
        System.out.println("corpus slice: " + texts + " texts, " + tokens + " tokens; kernels " + embedder.backendName());
    }

    @TearDown(Level.Trial)
    public void close() {
        embedder.close();
    }

    private static Path generatedFullModel() throws IOException {
        Path p = Path.of(System.getProperty("java.io.tmpdir"), "egemma-bench-full-q8_0-seed1234.gguf");
        if (!Files.exists(p)) {
            Path tmp = Files.createTempFile(p.getParent(), "egemma-bench", ".gguf");
            SyntheticModel.write(SynthSpec.full(), Path.of(System.getProperty("egemma.vocab", "testdata/embeddinggemma-vocab.gguf")), tmp);
            Files.move(tmp, p, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        return p;
    }

    @Benchmark
    public float[] helloWorld() {
        return embedder.embed("Hello world");
    }

    @Benchmark
    public float[][] corpusSlice() {
        return embedder.embed(lines);
    }
}
