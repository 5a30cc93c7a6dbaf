// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import dev.egemma.Backend;
import dev.egemma.Embedder;
import dev.egemma.server.EmbeddingModelHandle;
import dev.egemma.server.EmbeddingServer;
import dev.egemma.server.Limits;
import dev.egemma.server.ModelHandles;
import dev.egemma.server.ModelSpec;
import dev.egemma.server.ServedModels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** {@code egemma serve}: OpenAI- and Ollama-compatible embeddings over HTTP, several models by name. */
@Command(name = "serve",
        mixinStandardHelpOptions = true,
        description = {
                "Serve embeddings over HTTP: POST /v1/embeddings (OpenAI), POST /api/embed (Ollama), GET /v1/models, GET /health, GET /ready, GET /metrics.",
                "SIGTERM or Ctrl-C stops accepting, finishes the requests in flight and exits 0."
        })
public final class ServeCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "[NAME=]MODEL",
            description = "A gemma-embedding GGUF or a distilled EMB8 table (e.g. gemma-static=model.emb8) to serve, named NAME in requests (default: the file name without .gguf/.emb8). Repeat for several models.")
    List<String> models = new ArrayList<>();

    @Option(names = "--tokenizer", paramLabel = "[NAME=]FILE",
            description = "The tokenizer of static table NAME (the only model when NAME is left out): a GGUF (model or vocabulary) or SentencePiece's tokenizer.model. Needed by version 1 EMB8 files (the original prep tool's layout). Repeat for several tables.")
    List<String> tokenizers = new ArrayList<>();

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind. Default: ${DEFAULT-VALUE} (this machine only).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port (0: any free port). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--threads", paramLabel = "N", converter = PositiveInt.class, description = "Compute threads per model (default: available processors).")
    Integer threads;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require 'Authorization: Bearer KEY' on every route but /health and /ready. Default: the EGEMMA_API_KEY environment variable, else none. An empty KEY is an error.")
    String apiKey;

    @Option(names = "--backend", paramLabel = "auto|native|java", defaultValue = "auto", description = "Kernels. Default: ${DEFAULT-VALUE}.")
    Backend backend;

    @Mixin
    Q8OrderOption q8Order;

    @Option(names = "--max-batch-tokens", paramLabel = "N", converter = PositiveInt.class, defaultValue = "1024", description = "Tokens per forward batch. Default: ${DEFAULT-VALUE}.")
    int maxBatchTokens;

    @Option(names = "--max-body-bytes", paramLabel = "N", defaultValue = "8388608", description = "Largest request body (413 beyond). Default: ${DEFAULT-VALUE}.")
    long maxBodyBytes;

    @Option(names = "--max-inputs", paramLabel = "N", defaultValue = "2048", description = "Inputs per request (400 beyond). Default: ${DEFAULT-VALUE}.")
    int maxInputs;

    @Option(names = "--max-tokens-per-input", paramLabel = "N", defaultValue = "2048",
            description = "Tokens per input, capped by the model's context: longer inputs are truncated, or 400 with \"truncate\": false. Default: ${DEFAULT-VALUE}.")
    int maxTokensPerInput;

    @Option(names = "--request-timeout", paramLabel = "SECONDS", defaultValue = "60", description = "Time for a request's embeddings (503 beyond). Default: ${DEFAULT-VALUE}.")
    double requestTimeout;

    @Option(names = "--max-queued-tokens", paramLabel = "N", defaultValue = "262144",
            description = "Tokens admitted and not yet embedded; more gets 429 with Retry-After. Default: ${DEFAULT-VALUE}.")
    long maxQueuedTokens;

    @Option(names = "--shutdown-grace", paramLabel = "SECONDS", defaultValue = "30", description = "How long shutdown waits for requests in flight. Default: ${DEFAULT-VALUE}.")
    int shutdownGrace;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Map<String, ModelSpec> specs = new LinkedHashMap<>();
        for (String m : models) {
            ModelSpec s;
            try {
                s = ModelSpec.parse(m);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "-m " + m + ": " + e.getMessage());
            }
            if (!Files.isRegularFile(s.path())) throw new ParameterException(spec.commandLine(), "-m " + m + ": no such file " + s.path());
            if (specs.putIfAbsent(s.name(), s) != null) throw new ParameterException(spec.commandLine(), "model name '" + s.name() + "' is given twice");
        }
        Map<String, Path> tokenizerOf = tokenizerFiles(specs);
        Limits limits;
        EmbeddingServer.Config config;
        try {
            limits = new Limits(maxBodyBytes, maxInputs, maxTokensPerInput, Duration.ofMillis(Math.round(requestTimeout * 1000)), maxQueuedTokens);
            config = new EmbeddingServer.Config(host, port, apiKey(apiKey, System.getenv("EGEMMA_API_KEY")), limits);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (shutdownGrace < 0) throw new ParameterException(spec.commandLine(), "--shutdown-grace must be >= 0");

        CountDownLatch stop = new CountDownLatch(1);
        ShutdownSignals.onTermination(stop::countDown);
        EmbeddingServer server;
        try {
            server = EmbeddingServer.start(config);
        } catch (IOException e) {
            System.err.println("egemma serve: cannot listen on " + host + ":" + port + ": " + e.getMessage());
            return 1;
        }
        System.err.println("egemma serve: listening on " + server.uri() + ", loading " + String.join(", ", specs.keySet()) + " ...");
        long t0 = System.nanoTime();
        Map<String, EmbeddingModelHandle> loaded = new LinkedHashMap<>();
        Embedder.Options opts = Embedder.Options.defaults().withBackend(backend).withQ8Order(q8Order.value).withMaxBatchTokens(maxBatchTokens);
        if (threads != null) opts = opts.withThreads(threads);
        try {
            for (ModelSpec s : specs.values()) {
                EmbeddingModelHandle h = ModelHandles.open(s.path(), opts, tokenizerOf.get(s.name()));
                loaded.put(s.name(), h);
                System.err.println("egemma serve: " + s.name() + " = " + s.path() + " (" + h.describe() + ")");
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("egemma serve: cannot load a model: " + e.getMessage());
            loaded.values().forEach(EmbeddingModelHandle::close);
            server.stop(Duration.ZERO);
            return 1;
        }
        server.ready(new ServedModels(loaded, System.nanoTime() - t0));
        System.out.println("egemma serve: ready on " + server.uri() + " serving " + String.join(", ", loaded.keySet())
                + (config.apiKey() != null ? " (API key required)" : ""));
        System.out.flush();
        stop.await();
        System.err.println("egemma serve: shutting down: no new connections, finishing requests in flight (up to " + shutdownGrace + " s)");
        server.stop(Duration.ofSeconds(shutdownGrace));
        System.err.println("egemma serve: stopped");
        return 0;
    }

    /** --tokenizer [NAME=]FILE by model name: each names a served static table once, and the file exists. */
    private Map<String, Path> tokenizerFiles(Map<String, ModelSpec> specs) throws IOException {
        Map<String, Path> of = new LinkedHashMap<>();
        for (String t : tokenizers) {
            int eq = t.indexOf('=');
            String name;
            if (eq > 0) name = t.substring(0, eq);
            else if (specs.size() == 1) name = specs.keySet().iterator().next();
            else throw new ParameterException(spec.commandLine(), "--tokenizer " + t + ": name the model (NAME=FILE) when serving several");
            Path file = Path.of(eq > 0 ? t.substring(eq + 1) : t);
            ModelSpec m = specs.get(name);
            if (m == null) throw new ParameterException(spec.commandLine(), "--tokenizer " + t + ": no model named '" + name + "' (-m NAME=FILE)");
            if (!dev.egemma.staticembed.Emb8File.looksLikeEmb8(m.path()))
                throw new ParameterException(spec.commandLine(), "--tokenizer " + t + ": " + name + " is a GGUF model, which holds its tokenizer; --tokenizer is for static EMB8 tables");
            if (!Files.isRegularFile(file)) throw new ParameterException(spec.commandLine(), "--tokenizer " + t + ": no such file " + file);
            if (of.putIfAbsent(name, file) != null) throw new ParameterException(spec.commandLine(), "--tokenizer: model '" + name + "' is given two tokenizers");
        }
        return of;
    }

    /**
     * The key to require: {@code --api-key}, else EGEMMA_API_KEY, else none. An empty or blank one is a usage error,
     * never "no authentication": a script's {@code --api-key "$KEY"} with KEY unset must not serve an open server
     * (and override EGEMMA_API_KEY on the way).
     */
    private String apiKey(String option, String env) {
        if (option != null && option.isBlank())
            throw new ParameterException(spec.commandLine(), "--api-key is empty; give the key, or leave the option out to use EGEMMA_API_KEY (or no authentication)");
        if (option != null) return option;
        if (env != null && env.isBlank())
            throw new ParameterException(spec.commandLine(), "EGEMMA_API_KEY is set but empty; set it to the key, or unset it to serve without authentication");
        return env;
    }

    /**
     * Turns SIGTERM and SIGINT into a callback so the server shuts down gracefully and the process exits 0 (a JVM
     * killed by SIGTERM otherwise exits 143 whatever its shutdown hooks do). Uses {@code sun.misc.Signal} from
     * jdk.unsupported, the only JDK API for it; where that is missing, a shutdown hook runs the callback instead
     * (graceful still, exit status 143).
     */
    static final class ShutdownSignals {
        private ShutdownSignals() {}

        static void onTermination(Runnable callback) {
            try {
                for (String name : new String[] {"TERM", "INT"}) sun.misc.Signal.handle(new sun.misc.Signal(name), s -> callback.run());
            } catch (LinkageError | IllegalArgumentException e) {
                Runtime.getRuntime().addShutdownHook(new Thread(callback, "egemma-shutdown"));
            }
        }
    }
}
