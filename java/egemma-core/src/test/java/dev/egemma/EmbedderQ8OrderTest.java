package dev.egemma;

import dev.egemma.kernels.Backends;
import dev.egemma.kernels.ffm.Isa;
import dev.egemma.kernels.ffm.NativeTestSupport;
import dev.egemma.testing.TestData;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@link Embedder.Options#withQ8Order}: per-Embedder Q8_0 order on the golden Q8_0 model. */
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
    void defaultsLeaveTheOrderToTheProcess() {
        assertNull(Embedder.Options.defaults().q8Order());
        assertEquals(Q8Order.BLOCK, Embedder.Options.defaults().withQ8Order(Q8Order.BLOCK).withThreads(1).q8Order(), "kept by the other withers");
    }

    @Test
    void theNativeBackendRunsTheOrderAskedNotLlamaCppsBitsWithBlock() throws Exception {
        NativeTestSupport.requireNative(); // skips without the egemma-native JAR, fails in CI
        float[][] x86, block, byDefault;
        String x86Name, blockName, defaultName;
        try (Embedder e = open(Backend.NATIVE, Q8Order.X86)) { x86 = e.embed(TEXTS); x86Name = e.backendName(); }
        try (Embedder e = open(Backend.NATIVE, Q8Order.BLOCK)) { block = e.embed(TEXTS); blockName = e.backendName(); }
        try (Embedder e = open(Backend.NATIVE, null)) { byDefault = e.embed(TEXTS); defaultName = e.backendName(); }

        assertTrue(x86Name.startsWith("native-") && !x86Name.endsWith("-block"), x86Name);
        assertEquals(x86Name + "-block", blockName);
        // the default is the process's order: x86 unless -Degemma.q8Order / EGEMMA_Q8_ORDER say block
        boolean processBlock = Backends.q8Order() == Q8Order.BLOCK;
        assertEquals(processBlock ? blockName : x86Name, defaultName);
        for (int i = 0; i < TEXTS.size(); i++)
            assertArrayEquals(processBlock ? block[i] : x86[i], byDefault[i], "text " + i + ": the default must be the process's order");

        // NEON has no x86-order kernel: there both orders are the block one
        Isa tier = Isa.byName(x86Name.substring("native-".length()));
        double d = maxAbs(x86, block);
        if (NativeTestSupport.blockOrder(tier, Q8Order.X86)) assertEquals(0.0, d, "x86 on " + tier + " sums in block order");
        else assertTrue(d > 0, "block order gave x86's bits on " + tier);
        assertTrue(d <= 5e-3, "block vs x86 max abs " + d);
        System.out.printf("%s vs %s: max abs %.3g%n", blockName, x86Name, d);
    }

    @Test
    void theJavaBackendIgnoresTheOrder() throws Exception {
        try (Embedder x86 = open(Backend.JAVA, Q8Order.X86); Embedder block = open(Backend.JAVA, Q8Order.BLOCK)) {
            assertEquals(Q8Order.BLOCK, block.options().q8Order());
            assertEquals(x86.backendName(), block.backendName());
            assertTrue(block.backendName().startsWith("java-"), block.backendName());
            float[][] a = x86.embed(TEXTS), b = block.embed(TEXTS);
            for (int i = 0; i < TEXTS.size(); i++) assertArrayEquals(a[i], b[i], "text " + i);
        }
    }
}
