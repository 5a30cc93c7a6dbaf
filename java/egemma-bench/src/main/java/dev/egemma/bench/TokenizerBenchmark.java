// SPDX-License-Identifier: Apache-2.0
package dev.egemma.bench;

import dev.egemma.gguf.GgufFile;
import dev.egemma.tokenizer.Tokenizer;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Tokenizer speed, single thread, with the full 262,144-token Gemma 3 vocabulary.
 * <ul>
 *   <li>{@code encodeCorpus}, {@code encodeMixedScript}: encode throughput; the {@code tokens} counter is tokens/s
 *       (one op = every line of the text encoded separately, as llama-embedding sees them, BOS/EOS included).</li>
 *   <li>{@code buildFromGguf}: {@link Tokenizer#fromGguf} on an open GGUF (the model's tokenizer start-up cost);
 *       {@code openAndBuild} adds the GGUF open/parse.</li>
 * </ul>
 * Run: {@code java -jar java/egemma-bench/target/benchmarks.jar TokenizerBenchmark} from the repository root
 * (or pass {@code -jvmArgsAppend -Degemma.testdata=/path/to/testdata}).
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(1)
public class TokenizerBenchmark {

    /** Latin, Cyrillic, Greek, CJK, Japanese, Korean, Arabic, Hebrew, Devanagari, Thai, emoji, code, numbers. */
    static final String[] MIXED = {
            "The quick brown fox jumps over the lazy dog, and naïve cafés serve crème brûlée.",
            "Съешь же ещё этих мягких французских булок, да выпей чаю.",
            "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία.",
            "我能吞下玻璃而不伤身体。机器学习模型需要大量的训练数据。",
            "いろはにほへと ちりぬるを わかよたれそ つねならむ。東京は日本の首都です。",
            "키스의 고유조건은 입술끼리 만나야 하고 특별한 기술은 필요치 않다.",
            "نص حكيم له سر قاطع وذو شأن عظيم مكتوب على ثوب أخضر ومغلف بجلد أزرق.",
            "עטלף אבק נס דרך מזגן שהתפוצץ כי חם.",
            "ऋषियों को सताने वाले दुष्ट राक्षसों के राजा रावण का सर्वनाश करने वाले विष्णुवतार भगवान श्रीराम।",
            "เป็นมนุษย์สุดประเสริฐเลิศคุณค่า กว่าบรรดาฝูงสัตว์เดรัจฉาน",
            "Emoji: 🙂👩‍💻🚀🇫🇷 — mixed «quotes» and “typography”… ½ ≤ ∞.",
            "for (int i = 0; i < n; i++) { sum += a[i] * b[i]; }  // dot product\n\treturn sum;",
            "Order #12345 shipped 2024-03-15T10:30:00Z, total $1,234.56 (VAT 20%).",
    };

    private Path testdata;
    private GgufFile gguf;
    private Tokenizer tokenizer;
    private String[] corpus;
    private String[] mixed;

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Tokens {
        /** Tokens produced; JMH reports it per second. */
        public long tokens;

        @Setup(Level.Iteration)
        public void reset() {
            tokens = 0;
        }
    }

    @Setup
    public void setup() throws IOException {
        testdata = findTestdata();
        gguf = GgufFile.open(testdata.resolve("embeddinggemma-vocab.gguf"));
        tokenizer = Tokenizer.fromGguf(gguf);
        corpus = Files.readAllLines(testdata.resolve("corpus/corpus-1000.txt"), StandardCharsets.UTF_8).toArray(String[]::new);
        List<String> m = new ArrayList<>();
        for (int rep = 0; rep < 40; rep++) {
            StringBuilder line = new StringBuilder();
            for (int k = 0; k < MIXED.length; k++) line.append(MIXED[(k + rep) % MIXED.length]).append(k % 4 == 3 ? "\n\n" : " ");
            m.add(line.toString());
        }
        mixed = m.toArray(String[]::new);
    }

    @TearDown
    public void tearDown() {
        gguf.close();
    }

    static Path findTestdata() {
        String p = System.getProperty("egemma.testdata");
        if (p != null) return Path.of(p);
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("testdata/embeddinggemma-vocab.gguf"))) return d.resolve("testdata");
        }
        throw new IllegalStateException("testdata/ not found above " + Path.of("").toAbsolutePath() + "; pass -Degemma.testdata=...");
    }

    private long encodeAll(String[] texts, Tokens counter) {
        long n = 0;
        for (String t : texts) n += tokenizer.encode(t).length;
        counter.tokens += n;
        return n;
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public long encodeCorpus(Tokens counter) {
        return encodeAll(corpus, counter);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public long encodeMixedScript(Tokens counter) {
        return encodeAll(mixed, counter);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public Tokenizer buildFromGguf() {
        return Tokenizer.fromGguf(gguf);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public int openAndBuild() throws IOException {
        try (GgufFile f = GgufFile.open(testdata.resolve("embeddinggemma-vocab.gguf"))) {
            return Tokenizer.fromGguf(f).vocabSize();
        }
    }
}
