// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import dev.egemma.Task;
import dev.egemma.staticembed.Emb8Format;
import dev.egemma.staticembed.StaticEmbedder;

import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * {@code egemma embed -m FILE.emb8}: the same command on a distilled static table ({@link StaticEmbedder}).
 * Kept out of {@link EmbedCommand} so that command only needs a one-line hook. Options that only mean
 * something for the transformer (--dump-layers, a --dim other than the table's) are refused.
 */
final class StaticEmbedHook {
    private StaticEmbedHook() {}

    /** What embed and bench say when --tokenizer comes with a GGUF model. */
    static String tokenizerNeedsStaticTable(java.nio.file.Path model) {
        return "--tokenizer is for static EMB8 tables; " + model + " is not one (a GGUF model holds its tokenizer)";
    }

    static int embed(EmbedCommand c, List<String> texts, Task task) throws IOException {
        if (c.dumpLayers != null) throw new CliErrors.Failure("--dump-layers needs a GGUF model; " + c.model + " is a static EMB8 table");
        long t0 = System.nanoTime();
        try (StaticEmbedder e = StaticEmbedder.open(c.model, c.tokenizer)) {
            if (e.file().format() == Emb8Format.V1_EGEMMA_LEGACY)
                System.err.println("egemma embed: note: " + c.model + " was written by an earlier egemma build (version 1 number, egemma's layout);"
                        + " 'egemma static-upgrade " + c.model + " OUT.emb8' rewrites it as version 2");
            if (c.dim != null && c.dim != e.dimension())
                throw new CliErrors.Failure(c.model + " is a static table of width " + e.dimension()
                        + "; --dim " + c.dim + " needs a table distilled with that width (egemma distill --dim " + c.dim + ")");
            long t1 = System.nanoTime();
            float[][] out = new float[texts.size()][];
            long tokens = 0;
            for (int i = 0; i < out.length; i++) {
                String s = task == null ? texts.get(i) : task.apply(texts.get(i));
                out[i] = e.embed(s, !c.noNormalize);
                if (c.stats) tokens += e.tokenize(s).length;
            }
            long t2 = System.nanoTime();
            c.writeOutput(out);
            if (c.stats) {
                double wallMs = (t2 - t1) / 1e6;
                System.err.printf(Locale.ROOT, "texts: %d%ntokens: %d%nload ms: %.1f%nwall ms: %.1f%nus/text: %.2f%nbackend: static EMB8 (%d dims)%n",
                        out.length, tokens, (t1 - t0) / 1e6, wallMs, out.length == 0 ? 0 : wallMs * 1e3 / out.length, e.dimension());
            }
        }
        return 0;
    }
}
