// SPDX-License-Identifier: Apache-2.0
package dev.egemma.bench;

import dev.egemma.kernels.KernelProvider;
import dev.egemma.kernels.Kernels;
import dev.egemma.kernels.ffm.EgemmaBinding;
import dev.egemma.kernels.ffm.Isa;
import dev.egemma.kernels.ffm.NativeKernels;
import dev.egemma.kernels.ffm.NativeLibraryLoader;
import dev.egemma.kernels.java.ScalarKernels;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One EmbeddingGemma attention layer of one sequence, one thread: 3 query heads sharing 1 KV head of 256, every query
 * in blocks of 128 as {@code EmbeddingGemma} hands them out ({@link Kernels#attentionKvGroup}, one libegemma downcall
 * per block for the three heads), on q/k/v arrays as the forward pass has them (Java arrays: not 64-byte aligned).
 * {@code window}: -1 for a global layer, 256 for a sliding one (keys |i - j| <= 256).
 *
 * <p>Score: layers per second; the FP32 operations (4 per key, query and dimension: the Q.K and P.V FMAs) are
 * counted beside it, so that GFLOPS = flops / s. The bound is the tier's FMA rate (a zmm FMA on 2 pipes: 64 FLOP a
 * cycle) and, in practice, the loads that feed it. {@code backend=java} runs the Vector API kernels for comparison.
 *
 * <pre>java -jar java/egemma-bench/target/benchmarks.jar AttentionBench -p tokens=256,1024,2048 -p window=-1,256</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"})
public class AttentionBench {
    private static final int HEADS = 3, HEADS_KV = 1, DIM = 256, BLOCK = 128;

    @Param({"256", "1024", "2048"})
    int tokens;

    @Param({"-1", "256"})
    int window;

    /** native (libegemma at {@link #isa}) or java */
    @Param({"native"})
    String backend;

    /** libegemma tier; lowered with egemma_set_isa_limit */
    @Param({"best"})
    String isa;

    private Kernels kernels;
    private float[] q, k, v, out;
    private long flops;

    /** FP32 operations of the last iteration, reported beside the score */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Ops {
        public long flops;
    }

    @Setup
    public void setup() {
        if (backend.equals("java")) {
            kernels = KernelProvider.javaKernels();
        } else {
            EgemmaBinding b = NativeLibraryLoader.fromSystemProperties().load().binding();
            if (!isa.equals("best")) {
                Isa got = b.setIsaLimit(Isa.byName(isa));
                if (got != Isa.byName(isa)) throw new IllegalStateException("tier " + isa + " not usable here; got " + got);
            }
            kernels = new NativeKernels(b, new ScalarKernels());
        }
        SplittableRandom r = new SplittableRandom(7);
        q = gaussian(r, tokens * HEADS * DIM, 0.1);
        k = gaussian(r, tokens * HEADS_KV * DIM, 1);
        v = gaussian(r, tokens * HEADS_KV * DIM, 1);
        out = new float[tokens * HEADS * DIM];
        long keys = 0;
        for (int i = 0; i < tokens; i++)
            keys += window < 0 ? tokens : Math.min(tokens - 1, i + window) - Math.max(0, i - window) + 1;
        flops = 4L * keys * HEADS * DIM;
    }

    private static float[] gaussian(SplittableRandom r, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * scale);
        return x;
    }

    @Benchmark
    public float layer(Ops ops) {
        for (int from = 0; from < tokens; from += BLOCK)
            kernels.attentionKvGroup(q, k, v, out, 0, tokens, HEADS, HEADS_KV, DIM, DIM, 0, window, from, Math.min(tokens, from + BLOCK));
        ops.flops += flops;
        return out[0];
    }
}
