// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.egemma.Backend;
import dev.egemma.Chunking;
import dev.egemma.Embedder;
import dev.egemma.Task;
import dev.egemma.tokenizer.Truncation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code egemma embed}: embeddings of texts from the command line, a file or stdin, as llama.cpp computes them. */
@Command(name = "embed",
        mixinStandardHelpOptions = true,
        description = {
                "Embed texts with an EmbeddingGemma GGUF; output in input order.",
                "Texts come from the TEXT arguments, then from -i (one text per line, or JSON Lines with a \"text\" field)."
        })
public final class EmbedCommand implements Callable<Integer> {
    enum InputFormat { text, jsonl }

    enum Format { jsonl, json, csv, npy }

    /** Texts per call into the model (progress and batching granularity; the Embedder batches by tokens inside). */
    private static final int CHUNK = 64;

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL", description = "gemma-embedding GGUF file.")
    Path model;

    @Parameters(arity = "0..*", paramLabel = "TEXT", description = "Texts to embed.")
    List<String> texts = new ArrayList<>();

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "For a static EMB8 table: its tokenizer, a GGUF (model or vocabulary) or SentencePiece's tokenizer.model. Needed by version 1 files (the original prep tool's layout); replaces the table's own otherwise.")
    Path tokenizer;

    @Option(names = {"-i", "--input"}, paramLabel = "FILE|-", description = "Read texts from FILE, or stdin for '-'.")
    String input;

    @Option(names = "--input-format", paramLabel = "text|jsonl", defaultValue = "text",
            description = "text: one text per line; jsonl: one JSON object per line with a \"text\" field. Default: ${DEFAULT-VALUE}.")
    InputFormat inputFormat;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of stdout.")
    Path output;

    @Option(names = "--format", paramLabel = "jsonl|json|csv|npy", defaultValue = "jsonl",
            description = "jsonl: {\"index\": i, \"embedding\": [...]} per line; json: one array of those; csv: one row per text; npy: float32 [texts, dim]. Default: ${DEFAULT-VALUE}.")
    Format format;

    @Option(names = "--dim", paramLabel = "N", converter = PositiveInt.class, description = "Output dimension (Matryoshka: first N values, re-normalized), 1..n_embd.")
    Integer dim;

    @Option(names = "--task", paramLabel = "NAME", description = "Task prompt: query, document, question-answering, fact-checking, classification, clustering, similarity, code-retrieval.")
    String task;

    @Option(names = "--prompt", paramLabel = "STR", description = "Literal prefix put before every text (instead of --task).")
    String prompt;

    @Option(names = "--no-normalize", description = "Output the raw pooled (and dense-projected) vectors.")
    boolean noNormalize;

    @Option(names = "--threads", paramLabel = "N", converter = PositiveInt.class, description = "Compute threads (default: available processors).")
    Integer threads;

    @Option(names = "--backend", paramLabel = "auto|native|java", defaultValue = "auto", description = "Kernels. Default: ${DEFAULT-VALUE}.")
    Backend backend;

    @Mixin
    Q8OrderOption q8Order;

    @Option(names = "--max-batch-tokens", paramLabel = "N", converter = PositiveInt.class, defaultValue = "1024", description = "Tokens per forward batch. Default: ${DEFAULT-VALUE}.")
    int maxBatchTokens;

    @Option(names = "--truncation", paramLabel = "truncate|error", defaultValue = "truncate",
            description = "Texts longer than the context (2048 tokens): truncate (keeping BOS/EOS) or fail. Default: ${DEFAULT-VALUE}.")
    Truncation truncation;

    @Option(names = "--stats", description = "Print texts, tokens, load ms, wall ms and tokens/s to stderr.")
    boolean stats;

    @Option(names = "--dump-layers", paramLabel = "DIR", description = "Write each layer's hidden states of every text as .npy under DIR/text-NNNN/ (debugging).")
    Path dumpLayers;

    @Option(names = "--chunk-tokens", paramLabel = "N", converter = PositiveInt.class,
            description = "Embed each text in chunks of at most N of its tokens (any length: texts over the context are not truncated); one output record per chunk with its token and character spans.")
    Integer chunkTokens;

    @Option(names = "--chunk-overlap", paramLabel = "M", defaultValue = "0", description = "Tokens consecutive chunks share (0..N-1). Default: ${DEFAULT-VALUE}.")
    int chunkOverlap;

    @Option(names = "--late-chunking", description = "With --chunk-tokens: run each text through the model once and pool each chunk's tokens (chunks see their neighbours); the text must fit the context.")
    boolean lateChunking;

    private long firstVector; // epoch ms when the first batch's vectors came back, for --stats

    @Override
    public Integer call() throws IOException {
        if (texts.isEmpty() && input == null) throw new ParameterException(spec.commandLine(), "give TEXT arguments or -i FILE (- for stdin)");
        if (task != null && prompt != null) throw new ParameterException(spec.commandLine(), "--task and --prompt are mutually exclusive");
        Task t;
        try {
            t = task == null ? null : Task.parse(task);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        List<String> all = new ArrayList<>(texts);
        List<Integer> lines = new ArrayList<>(); // the input line of each text after the TEXT arguments, for messages
        if (input != null) TextInput.forEachText(input, inputFormat == InputFormat.jsonl, new ObjectMapper(), (text, line) -> {
            all.add(text);
            lines.add(line);
        });
        if (prompt != null) all.replaceAll(s -> prompt + s);

        if (dev.egemma.staticembed.Emb8File.looksLikeEmb8(model)) return StaticEmbedHook.embed(this, all, t); // distilled EMB8 table
        if (tokenizer != null) throw new ParameterException(spec.commandLine(), StaticEmbedHook.tokenizerNeedsStaticTable(model));

        Embedder.Options opts = Embedder.Options.defaults().withBackend(backend).withQ8Order(q8Order.value).withTask(t).withNormalize(!noNormalize)
                .withMaxBatchTokens(maxBatchTokens).withTruncation(truncation);
        if (threads != null) opts = opts.withThreads(threads);
        if (dim != null) opts = opts.withDimension(dim);
        Chunking chunking = chunking();
        long t0 = System.nanoTime();
        try (Embedder e = Embedder.open(model, opts)) {
            if (chunking != null) return ChunkOutput.write(this, e, all, chunking);
            long t1 = System.nanoTime();
            List<int[]> ids = new ArrayList<>(all.size());
            long tokens = 0;
            for (int i = 0; i < all.size(); i++) {
                int[] x;
                try {
                    x = e.tokenize(all.get(i));
                } catch (dev.egemma.tokenizer.TooManyTokensException ex) {
                    throw new CliErrors.Failure(origin(i, lines) + ": " + ex.getMessage());
                }
                ids.add(x);
                tokens += x.length;
            }
            float[][] out = new float[all.size()][];
            boolean progress = all.size() > 300 && System.console() != null;
            if (dumpLayers != null) {
                for (int i = 0; i < all.size(); i++) out[i] = e.embedObserved(all.get(i), new NpyDump(dumpLayers.resolve(String.format("text-%04d", i))));
            } else {
                for (int s = 0; s < ids.size(); s += CHUNK) {
                    int end = Math.min(ids.size(), s + CHUNK);
                    float[][] part = e.embedTokenLists(ids.subList(s, end));
                    if (s == 0) firstVector = System.currentTimeMillis();
                    System.arraycopy(part, 0, out, s, part.length);
                    if (progress) System.err.printf("\r%d/%d texts", end, ids.size());
                }
                if (progress) System.err.println();
            }
            long t2 = System.nanoTime();
            writeOutput(out);
            if (stats) {
                double wallMs = (t2 - t1) / 1e6;
                System.err.printf(Locale.ROOT, "texts: %d%ntokens: %d%nload ms: %.1f%nwall ms: %.1f%ntokens/s: %.1f%nbackend: %s, threads: %d%n",
                        all.size(), tokens, (t1 - t0) / 1e6, wallMs, tokens / (wallMs / 1e3), e.backendName(), e.options().threads());
                // from the JVM's start to the first batch's vectors in hand (read after the run: java.management costs ~20 ms)
                if (firstVector > 0)
                    System.err.printf(Locale.ROOT, "first vector ms since JVM start: %d%n", firstVector - java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime());
            }
        }
        return 0;
    }

    /** The chunking the options ask for, or null; their conflicts are usage errors. */
    private Chunking chunking() {
        if (chunkTokens == null) {
            if (lateChunking || chunkOverlap != 0) throw new ParameterException(spec.commandLine(), "--late-chunking and --chunk-overlap need --chunk-tokens");
            return null;
        }
        if (format == Format.npy) throw new ParameterException(spec.commandLine(), "--format npy has no room for the chunks' spans; use jsonl, json or csv");
        if (dumpLayers != null) throw new ParameterException(spec.commandLine(), "--dump-layers and --chunk-tokens cannot be combined");
        try {
            return new Chunking(chunkTokens, chunkOverlap, lateChunking);
        } catch (IllegalArgumentException ex) {
            throw new ParameterException(spec.commandLine(), "--chunk-overlap: " + ex.getMessage());
        }
    }

    /** Where text {@code i} came from: "TEXT argument 2" or "FILE:17". */
    private String origin(int i, List<Integer> lines) {
        return i < texts.size() ? "TEXT argument " + (i + 1) : TextInput.name(input) + ":" + lines.get(i - texts.size());
    }

    /**
     * Writes the vectors to {@code -o FILE} or stdout. A file that cannot be written is a failure naming it; stdout's
     * own errors are caught by {@link Main#run} (System.out keeps them in its error flag).
     */
    void writeOutput(float[][] out) throws IOException {
        writeOutput(os -> write(out, os));
    }

    /** As {@link #writeOutput(float[][])}, whatever {@code body} writes. */
    void writeOutput(OutputFile.Body body) throws IOException {
        if (output == null) {
            try (OutputStream os = new BufferedOutputStream(new NonClosing(System.out))) {
                body.writeTo(os);
            }
            return;
        }
        OutputFile.write(output, body);
    }

    void write(float[][] out, OutputStream os) throws IOException {
        if (format == Format.npy) {
            int dimOut = out.length == 0 ? 0 : out[0].length;
            Npy.write(os, out, out.length, dimOut);
            return;
        }
        // a Writer, not a PrintStream: a PrintStream would swallow a full disk's IOException
        Writer p = new OutputStreamWriter(os, StandardCharsets.UTF_8);
        String nl = System.lineSeparator();
        if (format == Format.json) p.write('[');
        for (int i = 0; i < out.length; i++) {
            StringBuilder b = new StringBuilder(out[i].length * 12);
            if (format == Format.csv) {
                for (int j = 0; j < out[i].length; j++) b.append(j == 0 ? "" : ",").append(out[i][j]);
                p.append(b).append(nl);
                continue;
            }
            b.append("{\"index\": ").append(i).append(", \"embedding\": [");
            for (int j = 0; j < out[i].length; j++) b.append(j == 0 ? "" : ", ").append(out[i][j]);
            b.append("]}");
            if (format == Format.jsonl) p.append(b).append(nl);
            else p.append(i == 0 ? "" : ",\n").append(b);
        }
        if (format == Format.json) p.append(']').append(nl);
        p.flush();
    }

    /** Writes each observed layer as DIR/NAME.npy. */
    private record NpyDump(Path dir) implements dev.egemma.model.LayerObserver {
        @Override
        public void observe(String name, float[] hidden, int rows, int cols) {
            try {
                Files.createDirectories(dir);
                try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(dir.resolve(name + ".npy")))) {
                    float[][] r = new float[rows][];
                    for (int i = 0; i < rows; i++) r[i] = java.util.Arrays.copyOfRange(hidden, i * cols, (i + 1) * cols);
                    Npy.write(os, r, rows, cols);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot write " + dir.resolve(name + ".npy"), e);
            }
        }
    }

    /** Minimal .npy (version 1.0) writer for little-endian float32 matrices. */
    static final class Npy {
        static void write(OutputStream os, float[][] rows, int n, int cols) throws IOException {
            String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + n + ", " + cols + "), }";
            int headerLen = 10 + dict.length() + 1;
            int pad = (64 - headerLen % 64) % 64;
            String header = dict + " ".repeat(pad) + "\n";
            DataOutputStream d = new DataOutputStream(os);
            d.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
            d.write(header.length() & 0xff);
            d.write(header.length() >>> 8);
            d.write(header.getBytes(StandardCharsets.US_ASCII));
            ByteBuffer bb = ByteBuffer.allocate(cols * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                bb.clear();
                for (float v : rows[i]) bb.putFloat(v);
                d.write(bb.array(), 0, cols * 4);
            }
            d.flush();
        }
    }

    /** System.out must stay open after the command. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
