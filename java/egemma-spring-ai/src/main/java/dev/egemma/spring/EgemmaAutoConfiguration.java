// SPDX-License-Identifier: Apache-2.0
package dev.egemma.spring;

import dev.egemma.Backend;
import dev.egemma.Embedder;
import dev.egemma.Q8Order;
import dev.egemma.Task;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import java.io.IOException;
import java.util.Locale;

/**
 * Makes an {@link Embedder} and an {@link EgemmaEmbeddingModel} when {@code egemma.model-path} is set (see
 * {@link EgemmaProperties}). Either bean can be replaced by declaring one of the same type.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "egemma", name = "model-path")
@EnableConfigurationProperties(EgemmaProperties.class)
public class EgemmaAutoConfiguration {
    /** Made by Spring when {@code egemma.model-path} is set. */
    public EgemmaAutoConfiguration() {}

    /**
     * The loaded model; the context closes it (unmaps the file, stops its threads).
     *
     * @param p the {@code egemma.*} properties: model path, threads, backend, Q8_0 order
     * @return the Embedder, opened at full width without normalization or task
     * @throws IOException if the model file cannot be read
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Embedder egemmaEmbedder(EgemmaProperties p) throws IOException {
        Embedder.Options o = Embedder.Options.defaults();
        if (p.threads() != null && p.threads() > 0) o = o.withThreads(p.threads());
        if (p.backend() != null) o = o.withBackend(Backend.valueOf(p.backend().trim().toUpperCase(Locale.ROOT)));
        if (p.q8Order() != null) o = o.withQ8Order(Q8Order.byName(p.q8Order()));
        // no Embedder-level prompt: EgemmaEmbeddingModel writes it (titles, queries); full width, unnormalized:
        // the model cuts and normalizes per call (egemma.dimensions is its default), so one loaded model serves every width
        return Embedder.open(p.modelPath(), o.withTask(null).withNormalize(false));
    }

    /**
     * The Spring AI model, unless the context has another {@link EmbeddingModel}.
     *
     * @param embedder the loaded model
     * @param p        the {@code egemma.*} properties: default task and width
     * @return the model
     */
    @Bean
    @ConditionalOnMissingBean(EmbeddingModel.class)
    public EgemmaEmbeddingModel egemmaEmbeddingModel(Embedder embedder, EgemmaProperties p) {
        return new EgemmaEmbeddingModel(embedder, task(p.task()), p.dimensions() == null ? 0 : p.dimensions());
    }

    /** {@code none} for no prompt; unset for DOCUMENT; otherwise an egemma task id. */
    static Task task(String name) {
        return name == null || name.isBlank() ? Task.DOCUMENT : EgemmaEmbeddingOptions.parseTask(name);
    }
}
