// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.egemma.Q8Order;
import dev.egemma.gguf.GgufFile;
import dev.egemma.kernels.KernelProvider;
import dev.egemma.kernels.Kernels;
import dev.egemma.kernels.ffm.NativeKernels;
import dev.egemma.kernels.ffm.NativeTestSupport;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue #7's "steady state allocates nothing per batch": once a thread has run its largest batch, the activation
 * buffers are reused, so a batch of ~1,300 tokens allocates no more than the same texts cut to 6 tokens each (what
 * remains is per call and per sequence: heap-segment handles of the downcalls, lambdas, the result vectors).
 * Measured on the calling thread with a one-thread pool, so every step of the forward pass runs there.
 */
class SteadyStateAllocationTest {

    /**
     * Allowed growth: 16 KiB of measurement noise, plus 64 bytes a token for the call handles of the extra 256-token row
     * blocks a longer batch is split into (heap-segment wrappers of each downcall, ~50 bytes a token measured), plus the
     * attention's: at most one downcall per head and layer for every {@link EmbeddingGemma#QUERY_BLOCK} queries (one per
     * KV head since libegemma attends a KV head's query heads together), each with
     * ~9 heap-segment objects (~340 bytes measured, {@value #ATTENTION_CALL_BYTES} allowed). For this model (6 layers,
     * 3 heads) that is 64 + 18 x 512 / 128 = 136 bytes a token (~98 measured); its smallest per-token buffer is one 64-float row, 256 bytes a token, so any activation buffer
     * allocated per batch still fails the test.
     */
    static final long ALLOWED_GROWTH_FIXED = 16 * 1024, ALLOWED_GROWTH_PER_TOKEN = 64, ATTENTION_CALL_BYTES = 512;
    static final int WARMUP = 40, MEASURED_PASSES = 3;

    static Stream<String> backends() {
        return Stream.of("java", "java-x86", "native", "native-x86");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void allocationPerBatchDoesNotGrowWithItsTokens(String backend) throws Exception {
        Golden g = Golden.load("small-dense-q8_0");
        try (GgufFile f = GgufFile.open(g.model()); WorkerPool pool = new WorkerPool(1)) {
            ModelWeights w = ModelWeights.bind(f, ModelConfig.from(f));
            Q8Order order = backend.endsWith("-x86") ? Q8Order.X86 : Q8Order.BLOCK;
            Kernels jk = KernelProvider.javaKernels(order);
            Kernels k = backend.startsWith("java") ? jk : new NativeKernels(NativeTestSupport.requireNative().binding(), jk, order);
            EmbeddingGemma model = new EmbeddingGemma(w, k, pool);
            // the same texts whole (~1,300 tokens) and cut to their first 6 tokens: same sequences, calls and results
            List<int[]> whole = new ArrayList<>(), cut = new ArrayList<>();
            for (Golden.Item it : g.items()) {
                whole.add(it.tokens());
                cut.add(java.util.Arrays.copyOf(it.tokens(), Math.min(6, it.tokens().length)));
            }
            int tokens = whole.stream().mapToInt(t -> t.length).sum(), cutTokens = cut.stream().mapToInt(t -> t.length).sum();
            assertTrue(tokens > 1000, "a batch big enough that per-token buffers would show: " + tokens);
            Scratch scratch = new Scratch();
            float[][] first = model.forward(whole, null, scratch);
            // warm-up: thread-local buffers at their size, and C2 (whose escape analysis removes small temporaries)
            for (int i = 0; i < WARMUP; i++) {
                model.forward(whole, null, scratch);
                model.forward(cut, null, scratch);
            }
            // the least of a few passes: a deoptimization mid-pass (the JIT recompiling under a full test suite) makes
            // the Vector API box every vector of that pass once; an allocation per token shows in every pass
            long big = Long.MAX_VALUE, small = Long.MAX_VALUE;
            for (int pass = 0; pass < MEASURED_PASSES; pass++) {
                big = Math.min(big, allocatedBy(() -> model.forward(whole, null, scratch)));
                small = Math.min(small, allocatedBy(() -> model.forward(cut, null, scratch)));
            }
            ModelConfig c = w.config();
            long perToken = ALLOWED_GROWTH_PER_TOKEN + ATTENTION_CALL_BYTES * c.nLayer() * c.nHead() / EmbeddingGemma.QUERY_BLOCK;
            assertTrue(perToken < 256, "the allowance must stay below one 64-float row a token: " + perToken);
            assertTrue(big - small <= ALLOWED_GROWTH_FIXED + perToken * (tokens - cutTokens), backend + ": " + tokens + " tokens allocated " + big + " bytes, the same texts cut to "
                    + cutTokens + " tokens " + small + " bytes");
            float[][] again = model.forward(whole, null, scratch);
            for (int i = 0; i < first.length; i++) assertArrayEquals(first[i], again[i], 0f, "reused buffers changed text " + i);
        }
    }

    private static long allocatedBy(Runnable r) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        r.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }
}
