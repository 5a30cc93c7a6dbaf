// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import dev.egemma.gguf.GgufFormatException;
import dev.egemma.gguf.Quantize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code egemma quantize}: rewrite a GGUF's matrices in another type. */
@Command(name = "quantize",
        mixinStandardHelpOptions = true,
        description = {
                "Rewrite a GGUF with its 2-D weights as q8_0, f16, bf16 or f32; norms stay F32, metadata is kept and general.file_type updated.",
                "Q8_0 blocks are byte-identical to ggml's reference quantizer on the same F32 input."
        })
public final class QuantizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "Input GGUF.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "Output GGUF (replaced if it exists; must not be IN).")
    Path out;

    @Option(names = {"-t", "--type"}, required = true, paramLabel = "q8_0|f16|bf16|f32", description = "Type of the 2-D weights in OUT.")
    String type;

    @Override
    public Integer call() {
        Quantize.Target target;
        try {
            target = Quantize.Target.parse(type);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (!Files.isRegularFile(in)) throw new ParameterException(spec.commandLine(), "no such file " + in);
        long t0 = System.nanoTime();
        try {
            Quantize.Summary s = Quantize.run(in, out, target);
            System.err.printf(Locale.ROOT, "egemma quantize: %s -> %s (%s): %d tensors converted, %d copied, %.1f MiB in %.1f s%n",
                    in, out, target, s.converted(), s.copied(), s.outputBytes() / 1048576.0, (System.nanoTime() - t0) / 1e9);
            return 0;
        } catch (GgufFormatException e) {
            System.err.println("egemma quantize: " + in + " is not a valid GGUF: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            System.err.println("egemma quantize: " + e.getMessage());
        } catch (IOException e) {
            System.err.println("egemma quantize: I/O error: " + e.getMessage());
        }
        return 1;
    }
}
