// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import dev.egemma.Backend;
import dev.egemma.staticembed.Distiller;
import dev.egemma.staticembed.Emb8Format;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code egemma distill}: a static EMB8 table from a gemma-embedding GGUF (see {@link Distiller}). */
@Command(name = "distill",
        mixinStandardHelpOptions = true,
        description = {
                "Distil a GGUF into a static EMB8 table (one int8 vector per token; embeddings are token averages).",
                "contextual: each token embedded by an EmbeddingGemma as a one-token text [BOS, token, EOS] (resumable: the teacher",
                "vectors go to OUT.teacher-checkpoint, deleted when done); table: the token_embd rows of any GGUF with a Gemma 3",
                "vocabulary, a gemma3 causal model such as Gemma 3 270M included. Then PCA to --dim and int8 quantization.",
                "Writes EMB8 version 2 (self-contained); --write-v1 writes the original prep tool's version 1 layout."
        })
public final class DistillCommand implements Callable<Integer> {
    enum Method { contextual, table }

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL", description = "GGUF file: an EmbeddingGemma (the teacher) or, with --method table, any GGUF with a Gemma 3 vocabulary.")
    Path model;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.emb8", description = "EMB8 file to write.")
    Path output;

    @Option(names = "--dim", paramLabel = "N", converter = PositiveInt.class, defaultValue = "64", description = "Output width (PCA components), 1..the model's width. Default: ${DEFAULT-VALUE}.")
    int dim;

    @Option(names = "--method", paramLabel = "contextual|table", defaultValue = "contextual", description = "Vectors to distil. Default: ${DEFAULT-VALUE}.")
    Method method;

    @Option(names = "--pca-sample", paramLabel = "N", defaultValue = "0", description = "Rows used to fit the PCA, chosen by the seed (0 = all). Default: ${DEFAULT-VALUE}.")
    int pcaSample;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Seed of the PCA's row sample and random projection. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--zipf", paramLabel = "A", defaultValue = "0",
            description = "Zipf/SIF weighting: rows scaled by A/(A+p) with p a Zipf prior over the tokens ranked by score (Model2Vec uses 1e-4); 0 = off. Default: ${DEFAULT-VALUE}.")
    double zipf;

    @Option(names = "--threads", paramLabel = "N", converter = PositiveInt.class, description = "Teacher compute threads (default: available processors).")
    Integer threads;

    @Option(names = "--backend", paramLabel = "auto|native|java", defaultValue = "auto", description = "Teacher kernels. Default: ${DEFAULT-VALUE}.")
    Backend backend;

    @Option(names = "--keep-checkpoint",
            description = "Keep OUT.teacher-checkpoint (contextual): copied to OTHER.teacher-checkpoint, it lets a run for another --dim skip the teacher.")
    boolean keepCheckpoint;

    @Option(names = "--write-v1",
            description = "Write the original prep tool's EMB8 version 1 layout (header, mean, scales, rows: no PCA components, no tokenizer;"
                    + " give the model's tokenizer beside it, e.g. egemma embed --tokenizer). Default: version 2.")
    boolean writeV1;

    @Option(names = "--quiet", description = "No progress on stderr.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        Distiller.Options o = Distiller.Options.defaults()
                .withMethod(method == Method.table ? Distiller.Method.TABLE : Distiller.Method.CONTEXTUAL)
                .withDim(dim).withPcaSample(pcaSample).withSeed(seed).withZipf(zipf).withBackend(backend)
                .withProgress(quiet ? null : System.err);
        if (threads != null) o = o.withThreads(threads);
        long t0 = System.nanoTime();
        // failures: one line by CliErrors
        Distiller.distillToFile(model, output, o, keepCheckpoint, writeV1 ? Emb8Format.V1_ORIGINAL : Emb8Format.V2);
        if (!quiet) System.err.printf(Locale.ROOT, "done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
