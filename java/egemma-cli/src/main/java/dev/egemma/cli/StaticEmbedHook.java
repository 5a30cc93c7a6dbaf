package dev.egemma.cli;

import dev.egemma.Task;
import dev.egemma.staticembed.StaticEmbedder;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;

/**
 * {@code egemma embed -m FILE.emb8}: the same command on a distilled static table ({@link StaticEmbedder}).
 * Kept out of {@link EmbedCommand} so that command only needs a one-line hook. Options that only mean
 * something for the transformer (--dump-layers, a --dim other than the table's) are refused.
 */
final class StaticEmbedHook {
    private StaticEmbedHook() {}

    static int embed(EmbedCommand c, List<String> texts, Task task) throws IOException {
        if (c.dumpLayers != null) {
            System.err.println("egemma embed: --dump-layers needs a GGUF model; " + c.model + " is a static EMB8 table");
            return 1;
        }
        long t0 = System.nanoTime();
        try (StaticEmbedder e = StaticEmbedder.open(c.model)) {
            if (c.dim != null && c.dim != e.dimension()) {
                System.err.println("egemma embed: " + c.model + " is a static table of width " + e.dimension()
                        + "; --dim " + c.dim + " needs a table distilled with that width (egemma distill --dim " + c.dim + ")");
                return 1;
            }
            long t1 = System.nanoTime();
            float[][] out = new float[texts.size()][];
            long tokens = 0;
            for (int i = 0; i < out.length; i++) {
                String s = task == null ? texts.get(i) : task.apply(texts.get(i));
                out[i] = e.embed(s, !c.noNormalize);
                if (c.stats) tokens += e.tokenize(s).length;
            }
            long t2 = System.nanoTime();
            try (OutputStream os = c.output == null ? new BufferedOutputStream(new FilterOutputStream(System.out) {
                @Override
                public void close() throws IOException {
                    flush();
                }
            }) : new BufferedOutputStream(Files.newOutputStream(c.output))) {
                c.write(out, os);
            }
            if (c.stats) {
                double wallMs = (t2 - t1) / 1e6;
                System.err.printf(Locale.ROOT, "texts: %d%ntokens: %d%nload ms: %.1f%nwall ms: %.1f%nus/text: %.2f%nbackend: static EMB8 (%d dims)%n",
                        out.length, tokens, (t1 - t0) / 1e6, wallMs, out.length == 0 ? 0 : wallMs * 1e3 / out.length, e.dimension());
            }
        }
        return 0;
    }
}
