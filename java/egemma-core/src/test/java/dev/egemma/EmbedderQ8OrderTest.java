// SPDX-License-Identifier: Apache-2.0
package dev.egemma;

import dev.egemma.kernels.Backends;
import dev.egemma.kernels.ffm.Isa;
import dev.egemma.kernels.ffm.NativeTestSupport;
import dev.egemma.testing.TestData;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@link Embedder.Options#withQ8Order}: per-Embedder Q8_0 order on the golden Q8_0 models, on both backends. */
class EmbedderQ8OrderTest {
    static final Path MODEL = TestData.file("golden/small-dense-q8_0.gguf");
    static final List<String> TEXTS = List.of("Hello world", "The quick brown fox jumps over the lazy dog.",
            "Numbers: 3.14159, 2,718, 1234567890 and more", "title: none | text: Paris is the capital of France.",
            "Llamas are domesticated South American camelids, used as meat and pack animals by Andean cultures.");

    static Embedder open(Backend b, Q8Order order) throws Exception {
        Embedder.Options o = Embedder.Options.defaults().withBackend(b).withThreads(2);
        return Embedder.open(MODEL, order == null ? o : o.withQ8Order(order));
    }

    static double maxAbs(float[][] a, float[][] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[i].length; j++) m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
        return m;
    }

    @Test
    void defaultsLeaveTheOrderToTheProcessWhoseDefaultIsBlock() {
        assertNull(Embedder.Options.defaults().q8Order());
        assertEquals(Q8Order.BLOCK, Embedder.Options.defaults().withQ8Order(Q8Order.BLOCK).withThreads(1).q8Order(), "kept by the other withers");
        if (System.getProperty(Backends.PROP_Q8_ORDER) == null && System.getenv(Backends.ENV_Q8_ORDER) == null)
            assertEquals(Q8Order.BLOCK, Backends.q8Order(), "the block order unless -Degemma.q8Order / EGEMMA_Q8_ORDER say otherwise");
    }

    /**
     * The golden Q8_0 models (llama.cpp-quantized among them) with default options: the Java and the native backend
     * compute the same block-order products, so the same embeddings bit for bit, and the native backend's are those
     * of the block order asked for explicitly.
     */
    @ParameterizedTest
    @ValueSource(strings = {"golden/small-dense-q8_0.gguf", "golden-quant/q256-q8_0.gguf"})
    void bothBackendsEmbedAlikeByDefault(String model) throws Exception {
        NativeTestSupport.requireNative(); // skips without the egemma-native JAR, fails in CI
        Assumptions.assumeTrue(Backends.q8Order() == Q8Order.BLOCK, "the process default was changed");
        Path file = TestData.file(model);
        Embedder.Options o = Embedder.Options.defaults().withThreads(2);
        float[][] java, nat, block;
        try (Embedder e = Embedder.open(file, o.withBackend(Backend.JAVA))) {
            java = e.embed(TEXTS);
            assertTrue(e.backendName().startsWith("java-") && !e.backendName().endsWith("-x86"), e.backendName());
        }
        try (Embedder e = Embedder.open(file, o.withBackend(Backend.NATIVE))) {
            nat = e.embed(TEXTS);
            assertFalse(e.backendName().endsWith("-x86"), e.backendName());
        }
        try (Embedder e = Embedder.open(file, o.withBackend(Backend.NATIVE).withQ8Order(Q8Order.BLOCK))) { block = e.embed(TEXTS); }
        for (int i = 0; i < TEXTS.size(); i++) {
            assertArrayEquals(block[i], nat[i], model + " text " + i + ": the native default is not the block order");
            assertArrayEquals(nat[i], java[i], model + " text " + i + ": --backend java and --backend native differ");
        }
    }

    @Test
    void theNativeBackendRunsTheOrderAskedNotLlamaCppsBitsWithBlock() throws Exception {
        NativeTestSupport.requireNative(); // skips without the egemma-native JAR, fails in CI
        float[][] x86, block, javaX86;
        String x86Name, blockName;
        try (Embedder e = open(Backend.NATIVE, Q8Order.X86)) { x86 = e.embed(TEXTS); x86Name = e.backendName(); }
        try (Embedder e = open(Backend.NATIVE, Q8Order.BLOCK)) { block = e.embed(TEXTS); blockName = e.backendName(); }
        try (Embedder e = open(Backend.JAVA, Q8Order.X86)) { javaX86 = e.embed(TEXTS); }

        // NEON has no x86-order kernel: there both orders are the block one, and the name says so
        Isa tier = Isa.byName(blockName.substring("native-".length()));
        boolean x86Runs = NativeTestSupport.llamaCppExact(tier, Q8Order.X86);
        assertEquals(x86Runs ? blockName + "-x86" : blockName, x86Name);
        double d = maxAbs(x86, block);
        if (!x86Runs) assertEquals(0.0, d, "x86 on " + tier + " sums in block order");
        else {
            assertTrue(d > 0, "block order gave x86's bits on " + tier);
            for (int i = 0; i < TEXTS.size(); i++) assertArrayEquals(javaX86[i], x86[i], "text " + i + ": llamacpp-x86 on both backends");
        }
        assertTrue(d <= 5e-3, "block vs x86 max abs " + d);
        System.out.printf("%s vs %s: max abs %.3g%n", blockName, x86Name, d);
    }

    @Test
    void theJavaBackendRunsTheOrderAsked() throws Exception {
        try (Embedder x86 = open(Backend.JAVA, Q8Order.X86); Embedder block = open(Backend.JAVA, Q8Order.BLOCK)) {
            assertEquals(Q8Order.BLOCK, block.options().q8Order());
            assertTrue(block.backendName().startsWith("java-") && !block.backendName().endsWith("-x86"), block.backendName());
            assertEquals(block.backendName() + "-x86", x86.backendName());
            double d = maxAbs(x86.embed(TEXTS), block.embed(TEXTS));
            assertTrue(d > 0 && d <= 5e-3, "block vs llamacpp-x86 on the Java backend: max abs " + d);
        }
    }
}
