// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import dev.egemma.gguf.Dequantizer;
import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufTensor;
import dev.egemma.staticembed.NpyWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code egemma export-embeddings}: the raw token-embedding table as a float32 .npy, the original prep tool's
 * {@code embeddings.npy}: the rows as the checkpoint stores them (dequantized), before the sqrt(n_embd) scaling Gemma
 * applies at run time, so a PCA fitted on it is the one {@code distill --method table} fits.
 */
@Command(name = "export-embeddings",
        mixinStandardHelpOptions = true,
        description = {"Write token_embd.weight dequantized to float32 as a NumPy .npy of shape (vocab, n_embd), like the original prep tool's embeddings.npy",
                "(rows as stored, without the model's sqrt(n_embd) input scaling). Any GGUF with a token table: an EmbeddingGemma or a gemma3 causal model."})
public final class ExportEmbeddingsCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL", description = "GGUF file.")
    Path model;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.npy", description = ".npy file to write.")
    Path output;

    @Override
    public Integer call() throws IOException {
        try (GgufFile f = GgufFile.open(model)) {
            GgufTensor t = f.tensor("token_embd.weight");
            if (t == null) throw new CliErrors.Failure(model + " has no token_embd.weight tensor");
            if (t.shape().length != 2 || !t.hasKnownType() || !Dequantizer.supports(t.type()) || t.rowLength() > Integer.MAX_VALUE - 8)
                throw new CliErrors.Failure("cannot export " + t);
            int cols = (int) t.rowLength();
            float[] row = new float[cols];
            OutputFile.write(output, os -> {
                try (NpyWriter w = new NpyWriter(os, t.rows(), cols)) {
                    for (long r = 0; r < t.rows(); r++) {
                        Dequantizer.dequantize(t.name(), t.type(), t.data(), r * t.rowBytes(), row, 0, cols);
                        w.row(row);
                    }
                }
            });
            System.err.println("wrote " + output + ": " + t.rows() + " x " + cols + " float32");
        }
        return 0;
    }
}
