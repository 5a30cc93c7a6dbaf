// SPDX-License-Identifier: Apache-2.0
package dev.egemma.bench;

import dev.egemma.kernels.ffm.EgemmaBinding;
import dev.egemma.kernels.ffm.Isa;
import dev.egemma.kernels.ffm.NativeLibraryLoader;
import dev.egemma.kernels.java.Q8Dot;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One Q8_0 row dot product: Java scalar, Java Vector API, and libegemma at a chosen tier (one downcall per row:
 * the per-call cost is part of what this measures; issue 6's GEMM amortises it over a tile). Rows are off-heap,
 * as rows of an mmapped model are. Sizes: 24 blocks = EmbeddingGemma's n_embd 768, 36 = n_ff 1152, 256 = a long
 * row where the kernel dominates.
 *
 * <pre>java -jar java/egemma-bench/target/benchmarks.jar Q8DotBench -p isa=avx512,avx2,scalar</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"})
public class Q8DotBench {

    @Param({"24", "36", "256"})
    int blocks;

    /** libegemma tier for {@link #nativeDot}; lowered with egemma_set_isa_limit. */
    @Param({"best"})
    String isa;

    private Arena arena;
    private MemorySegment a;
    private MemorySegment b;
    private EgemmaBinding binding;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        a = row(arena, blocks, 1);
        b = row(arena, blocks, 2);
        binding = NativeLibraryLoader.fromSystemProperties().load().binding();
        if (!isa.equals("best")) {
            Isa got = binding.setIsaLimit(Isa.byName(isa));
            if (got != Isa.byName(isa)) throw new IllegalStateException("tier " + isa + " not usable here; got " + got);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    private static MemorySegment row(Arena arena, int n, long seed) {
        MemorySegment s = arena.allocate((long) n * Q8Dot.BLOCK_BYTES, 2);
        SplittableRandom r = new SplittableRandom(seed);
        for (int blk = 0; blk < n; blk++) {
            long p = (long) blk * Q8Dot.BLOCK_BYTES;
            s.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), p,
                    Float.floatToFloat16((float) (0.001 + r.nextDouble() * 0.01)));
            for (int i = 0; i < Q8Dot.QK; i++) s.set(ValueLayout.JAVA_BYTE, p + 2 + i, (byte) (r.nextInt(255) - 127));
        }
        return s;
    }

    @Benchmark
    public void javaScalar(Blackhole bh) {
        bh.consume(Q8Dot.dotScalar(a, 0, b, 0, blocks));
    }

    @Benchmark
    public void javaVector(Blackhole bh) {
        bh.consume(Q8Dot.dotVector(a, 0, b, 0, blocks));
    }

    @Benchmark
    public void nativeDot(Blackhole bh) {
        bh.consume(binding.q8_0Dot(a, 0, b, 0, blocks));
    }
}
