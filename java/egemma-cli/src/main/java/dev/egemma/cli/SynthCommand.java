// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import dev.egemma.gguf.GgmlType;
import dev.egemma.gguf.GgufFile;
import dev.egemma.model.ModelConfig;
import dev.egemma.synth.SynthSpec;
import dev.egemma.synth.SyntheticModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code egemma synth}: writes a deterministic synthetic gemma-embedding model (or a causal gemma3 one). */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a deterministic synthetic gemma-embedding (or, --preset gemma3-tiny, causal gemma3) GGUF (same options and seed, same bytes) "
                + "with seeded weights of realistic scale and the tokenizer of a vocab GGUF.")
public final class SynthCommand implements Callable<Integer> {
    static final String DEFAULT_VOCAB = "testdata/embeddinggemma-vocab.gguf";

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "Output GGUF file.")
    Path output;

    @Option(names = "--preset", defaultValue = "small", paramLabel = "small|full|gemma3-tiny",
            description = "small: like the golden models (64 wide, 6 layers, vocab 16,384); full: EmbeddingGemma-300M shapes "
                    + "(768 wide, 24 layers, vocab 262,144, dense 768->3072->768); gemma3-tiny: a causal gemma3 model (as Gemma 3 270M,"
                    + " whose token table distill --method table takes) 64 wide, 1 layer, vocab 262,144. Default: ${DEFAULT-VALUE}.")
    String preset;

    @Option(names = "--type", defaultValue = "q8_0", paramLabel = "f32|f16|bf16|q8_0", description = "Type of the matrices (norms stay F32). Default: ${DEFAULT-VALUE}.")
    String type;

    @Option(names = "--seed", defaultValue = "1234", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--dense", paramLabel = "N", description = "Width of the dense_2/dense_3 projection; 0 for none (preset default: small 0, full 3072).")
    Integer dense;

    @Option(names = "--vocab", paramLabel = "VOCAB.gguf", description = "GGUF to take the tokenizer from (default: " + DEFAULT_VOCAB + ", searched upwards from the current directory).")
    Path vocab;

    @Option(names = "--vocab-size", paramLabel = "N", description = "Keep the first N tokens (preset default: small 16384, full all).")
    Integer vocabSize;

    @Option(names = "--n-embd", paramLabel = "N", description = "Override the preset's embedding width.") Integer nEmbd;
    @Option(names = "--n-layer", paramLabel = "N", description = "Override the number of layers.") Integer nLayer;
    @Option(names = "--n-head", paramLabel = "N", description = "Override the number of query heads.") Integer nHead;
    @Option(names = "--n-head-kv", paramLabel = "N", description = "Override the number of key/value heads.") Integer nHeadKv;
    @Option(names = "--head-dim", paramLabel = "N", description = "Override the head dimension (key and value length).") Integer headDim;
    @Option(names = "--n-ff", paramLabel = "N", description = "Override the feed-forward width.") Integer nFf;
    @Option(names = "--swa", paramLabel = "N", description = "Override the sliding window.") Integer swa;

    @Override
    public Integer call() throws IOException {
        {
            SynthSpec s = SynthSpec.preset(preset.toLowerCase(Locale.ROOT));
            s.type = parseType(type);
            s.seed = seed;
            if (dense != null) s.dense = dense;
            if (vocabSize != null) s.vocabSize = vocabSize;
            if (nEmbd != null) s.nEmbd = nEmbd;
            if (nLayer != null) s.nLayer = nLayer;
            if (nHead != null) s.nHead = nHead;
            if (nHeadKv != null) s.nHeadKv = nHeadKv;
            if (headDim != null) s.headDim = headDim;
            if (nFf != null) s.nFf = nFf;
            if (swa != null) s.slidingWindow = swa;
            Path v = vocab != null ? vocab : findDefaultVocab();
            long t0 = System.nanoTime();
            SyntheticModel.write(s, v, output);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            try (GgufFile f = GgufFile.open(output)) {
                // egemma runs only the embedding architecture; a causal gemma3 file is for distill --method table
                List<String> problems = s.architecture.equals(SynthSpec.GEMMA3) ? List.of() : ModelConfig.from(f).tensorProblems(f);
                if (!problems.isEmpty()) throw new CliErrors.Failure("the written model has problems: " + problems);
                System.out.printf("wrote %s: %s, %d tensors, %,d bytes in %d ms%n", output, s.modelName(), f.tensors().size(), Files.size(output), ms);
            }
            return 0;
        }
    }

    static GgmlType parseType(String t) {
        return switch (t.toLowerCase(Locale.ROOT)) {
            case "f32" -> GgmlType.F32;
            case "f16" -> GgmlType.F16;
            case "bf16" -> GgmlType.BF16;
            case "q8_0" -> GgmlType.Q8_0;
            default -> throw new IllegalArgumentException("unknown --type '" + t + "' (f32, f16, bf16, q8_0)");
        };
    }

    private static Path findDefaultVocab() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve(DEFAULT_VOCAB);
            if (Files.isRegularFile(p)) return p;
        }
        throw new IllegalArgumentException("no vocab GGUF given and " + DEFAULT_VOCAB + " not found from " + Path.of("").toAbsolutePath()
                + "; pass --vocab VOCAB.gguf");
    }
}
