package dev.egemma.server;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The models the server answers for, by name, in the order given. Closing it closes them all. */
public final class ServedModels implements AutoCloseable {
    private final Map<String, EmbeddingModelHandle> byName = new LinkedHashMap<>();
    private final long loadNanos;

    /** @param loadNanos how long loading took (Ollama's {@code load_duration} reports it on the first request) */
    public ServedModels(Map<String, EmbeddingModelHandle> models, long loadNanos) {
        if (models.isEmpty()) throw new IllegalArgumentException("no models to serve");
        byName.putAll(models);
        this.loadNanos = loadNanos;
    }

    public List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(byName.keySet()));
    }

    public Map<String, EmbeddingModelHandle> all() {
        return Collections.unmodifiableMap(byName);
    }

    public long loadNanos() {
        return loadNanos;
    }

    /** The model named {@code name}; with no name, the only model if there is one. 404 lists the served names. */
    public Map.Entry<String, EmbeddingModelHandle> resolve(String name) {
        if (name == null) {
            if (byName.size() == 1) return byName.entrySet().iterator().next();
            throw ApiException.badRequest("'model' is required when several models are served: " + String.join(", ", byName.keySet()), "model");
        }
        EmbeddingModelHandle h = byName.get(name);
        if (h == null)
            throw ApiException.notFound("model '" + name + "' is not served here; served models: " + String.join(", ", byName.keySet()), "model", "model_not_found");
        return Map.entry(name, h);
    }

    @Override
    public void close() {
        for (EmbeddingModelHandle h : byName.values()) h.close();
    }
}
