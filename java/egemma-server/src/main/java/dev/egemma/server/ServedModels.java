// SPDX-License-Identifier: Apache-2.0
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

    /**
     * The models to serve, which this object then owns.
     *
     * @param models    the models by name, in the order to list them
     * @param loadNanos how long loading took (Ollama's {@code load_duration} reports it on the first request)
     * @throws IllegalArgumentException if {@code models} is empty
     */
    public ServedModels(Map<String, EmbeddingModelHandle> models, long loadNanos) {
        if (models.isEmpty()) throw new IllegalArgumentException("no models to serve");
        byName.putAll(models);
        this.loadNanos = loadNanos;
    }

    /**
     * The served models' names.
     *
     * @return an unmodifiable copy, in the order given
     */
    public List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(byName.keySet()));
    }

    /**
     * The served models.
     *
     * @return an unmodifiable view by name, in the order given
     */
    public Map<String, EmbeddingModelHandle> all() {
        return Collections.unmodifiableMap(byName);
    }

    /**
     * How long loading the models took.
     *
     * @return nanoseconds
     */
    public long loadNanos() {
        return loadNanos;
    }

    /**
     * The model named {@code name}; with no name, the only model if there is one. 404 lists the served names.
     *
     * @param name the requested model's name; null when the request names none
     * @return the name and the model
     * @throws ApiException a 400 when the name is null and several models are served, a 404 when no model has the name
     */
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
