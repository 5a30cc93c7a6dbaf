// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import dev.egemma.gguf.GgmlType;
import dev.egemma.gguf.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 30, case 10: a model that can only give NaN vectors. A non-finite hyper-parameter is refused when the file is
 * opened; a non-finite weight (here a NaN output norm) fails the text in one line instead of printing {@code NaN}
 * (which is not even JSON). Exit 1, nothing on stdout.
 */
class NonFiniteModelTest {
    static final Path BASE = CliTestSupport.testdata("golden/small-dense-q8_0.gguf");
    @TempDir Path dir;

    private String failure(Consumer<GgufWriter> edit) throws Exception {
        return CliTestSupport.embedFailure(BASE, dir, edit);
    }

    @Test
    void nanEpsilonIsRefusedAtOpen() throws Exception {
        String m = failure(w -> w.putF32("gemma-embedding.attention.layer_norm_rms_epsilon", Float.NaN));
        assertTrue(m.endsWith("gemma-embedding.attention.layer_norm_rms_epsilon = NaN must be finite and positive"), m);
    }

    @Test
    void infiniteRopeBaseIsRefusedAtOpen() throws Exception {
        String m = failure(w -> w.putF32("gemma-embedding.rope.freq_base", Float.POSITIVE_INFINITY));
        assertTrue(m.endsWith("gemma-embedding.rope.freq_base = Infinity must be finite and positive"), m);
    }

    @Test
    void nanWeightsFailTheTextInsteadOfPrintingNan() throws Exception {
        float[] nan = new float[64];
        Arrays.fill(nan, Float.NaN);
        String m = failure(w -> w.removeTensor("output_norm.weight").tensor("output_norm.weight", GgmlType.F32, new long[] {64}, nan));
        assertTrue(m.startsWith("egemma embed: the model produced non-finite values (NaN or infinity) for a text of "), m);
    }

    @Test
    void zeroWeightsFailTheTextInsteadOfPrintingAZeroVector() throws Exception {
        // an all-zero output norm makes every pooled value 0: normalizing that gave a vector of zeros, exit 0
        String m = failure(w -> w.removeTensor("output_norm.weight").tensor("output_norm.weight", GgmlType.F32, new long[] {64}, new float[64]));
        assertTrue(m.startsWith("egemma embed: the model produced an all-zero vector for a text of "), m);
    }
}
