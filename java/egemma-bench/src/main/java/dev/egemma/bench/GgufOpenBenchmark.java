// SPDX-License-Identifier: Apache-2.0
package dev.egemma.bench;

import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufTensor;
import dev.egemma.model.ModelConfig;
import dev.egemma.synth.SynthSpec;
import dev.egemma.synth.SyntheticModel;
import dev.egemma.tokenizer.Tokenizer;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Time from nothing to "ready to tokenize" on the full-shape EmbeddingGemma-300M Q8_0 model: map the
 * file, parse the metadata and tensor infos, read the hyper-parameters, check the tensors, and take the
 * tokenizer's arrays (262,144 token strings decoded, scores, types). Warm: the file is in the page cache.
 * The fork uses ParallelGC, as the {@code egemma} launcher does.
 *
 * <p>Run: {@code java -jar java/egemma-bench/target/benchmarks.jar GgufOpenBenchmark -p model=/path/to/full-q8_0.gguf}.
 * Without {@code -p model=...} (or {@code -Degemma.model=...}) the model is generated once with
 * {@code synth --preset full} into the temp directory and reused.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"})
public class GgufOpenBenchmark {
    @Param("")
    public String model;

    @Param("")
    public String vocab;

    private Path path;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        String m = !model.isEmpty() ? model : System.getProperty("egemma.model", "");
        path = m.isEmpty() ? generatedFullModel() : Path.of(m);
        warmPageCache(path);
    }

    private static void warmPageCache(Path p) throws IOException {
        try (var in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 20];
            while (in.read(buf) > 0) {
                // reading is the point
            }
        }
    }

    private Path generatedFullModel() throws IOException {
        Path p = Path.of(System.getProperty("java.io.tmpdir"), "egemma-bench-full-q8_0-seed1234.gguf");
        if (!Files.exists(p)) {
            String v = !vocab.isEmpty() ? vocab : System.getProperty("egemma.vocab", "testdata/embeddinggemma-vocab.gguf");
            Path tmp = Files.createTempFile(p.getParent(), "egemma-bench", ".gguf");
            SyntheticModel.write(SynthSpec.full(), Path.of(v), tmp);
            Files.move(tmp, p, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        return p;
    }

    /** Open, hyper-parameters, tensor check, tokenizer arrays: what a tokenizer and model need to start. */
    @Benchmark
    public void openReadyToTokenize(Blackhole bh) throws IOException {
        try (GgufFile f = GgufFile.open(path)) {
            ModelConfig c = ModelConfig.from(f);
            bh.consume(c.tensorProblems(f));
            bh.consume(f.getStringArray("tokenizer.ggml.tokens"));
            bh.consume(f.getFloatArray("tokenizer.ggml.scores"));
            bh.consume(f.getIntArray("tokenizer.ggml.token_type"));
            bh.consume(f.getInt("tokenizer.ggml.bos_token_id"));
            bh.consume(f.getBoolean("tokenizer.ggml.add_space_prefix"));
            GgufTensor e = f.tensor("token_embd.weight");
            bh.consume(e.data().byteSize());
        }
    }

    /** Open plus building the tokenizer ({@link Tokenizer#fromGguf}): the model is ready to tokenize. */
    @Benchmark
    public Tokenizer openAndBuildTokenizer() throws IOException {
        try (GgufFile f = GgufFile.open(path)) {
            return Tokenizer.fromGguf(f);
        }
    }

    /** Only mapping and parsing (strings left undecoded). */
    @Benchmark
    public void openOnly(Blackhole bh) throws IOException {
        try (GgufFile f = GgufFile.open(path)) {
            bh.consume(f.tensors().size());
        }
    }
}
