// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import dev.egemma.Chunking;
import dev.egemma.Embedder;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code egemma embed --chunk-tokens N}: one record per chunk, texts in input order and chunks in text order, with the
 * chunk's token span (of the text's own tokens) and character span (code points; -1 where unknown). jsonl/json:
 * {@code {"index": i, "chunk": j, "tokens": [from, to], "chars": [from, to], "embedding": [...]}}; csv: index, chunk,
 * token_from, token_to, char_from, char_to, then the values.
 */
final class ChunkOutput {
    private ChunkOutput() {}

    static int write(EmbedCommand c, Embedder e, List<String> texts, Chunking chunking) throws IOException {
        List<List<Chunking.Chunk>> all = new ArrayList<>(texts.size());
        for (String t : texts) all.add(e.embedChunks(t, chunking));
        c.writeOutput(os -> write(c.format, all, os));
        return 0;
    }

    private static void write(EmbedCommand.Format format, List<List<Chunking.Chunk>> all, OutputStream os) throws IOException {
        Writer w = new OutputStreamWriter(os, StandardCharsets.UTF_8);
        String nl = System.lineSeparator();
        boolean first = true;
        if (format == EmbedCommand.Format.json) w.write('[');
        for (int i = 0; i < all.size(); i++) {
            for (int j = 0; j < all.get(i).size(); j++) {
                Chunking.Chunk ch = all.get(i).get(j);
                StringBuilder b = new StringBuilder(ch.vector().length * 12 + 64);
                if (format == EmbedCommand.Format.csv) {
                    b.append(i).append(',').append(j).append(',').append(ch.tokenFrom()).append(',').append(ch.tokenTo()).append(',')
                            .append(ch.charFrom()).append(',').append(ch.charTo());
                    for (float x : ch.vector()) b.append(',').append(x);
                    w.append(b).append(nl);
                    continue;
                }
                b.append("{\"index\": ").append(i).append(", \"chunk\": ").append(j).append(", \"tokens\": [").append(ch.tokenFrom()).append(", ")
                        .append(ch.tokenTo()).append("], \"chars\": [").append(ch.charFrom()).append(", ").append(ch.charTo()).append("], \"embedding\": [");
                for (int k = 0; k < ch.vector().length; k++) b.append(k == 0 ? "" : ", ").append(ch.vector()[k]);
                b.append("]}");
                if (format == EmbedCommand.Format.jsonl) w.append(b).append(nl);
                else w.append(first ? "" : ",\n").append(b);
                first = false;
            }
        }
        if (format == EmbedCommand.Format.json) w.append(']').append(nl);
        w.flush();
    }
}
