// SPDX-License-Identifier: Apache-2.0
package dev.egemma.bench;

import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.Activations;
import dev.egemma.kernels.WeightMatrix;
import dev.egemma.kernels.ffm.EgemmaBinding;
import dev.egemma.kernels.ffm.Isa;
import dev.egemma.kernels.ffm.NativeKernels;
import dev.egemma.kernels.ffm.NativeLibraryLoader;
import dev.egemma.kernels.java.ScalarKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * libegemma's F32/F16/BF16 GEMM ({@code egemma_float_gemm}), one thread, one downcall per product through
 * {@link NativeKernels#matmul}: {@code C[M x N] = A[M x K] * W[N x K]^T} with W as a GGUF holds it (F16/BF16 widened as
 * read). Shapes as {@link Q8GemmBench}.
 *
 * <p>Score: products per second; GFLOPS = score * 2*M*N*K / 1e9. The tier's single-core peak: clock * FP32 FMA lanes
 * per cycle * 2, with 32 lanes per cycle for AVX-512 and AVX2 on Zen 4/5 (two 256-bit FMA pipes; a zmm FMA takes both
 * on Zen 4) and 16 for AVX2 on Zen 3 / Haswell-class cores (two 8-lane pipes). Large M is bound by that; M = 1 by
 * the weights' memory traffic (4 or 2 bytes per MAC).
 *
 * <pre>java -jar java/egemma-bench/target/benchmarks.jar FloatGemmBench -p type=F32,F16 -p isa=avx512,avx2</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"})
public class FloatGemmBench {

    @Param({"1", "8", "64", "512"})
    int m;

    /** "KxN" (JMH splits -p values at commas) */
    @Param({"768x768", "768x1152", "1152x768"})
    String shape;

    @Param({"F32", "F16", "BF16"})
    String type;

    /** libegemma tier; lowered with egemma_set_isa_limit */
    @Param({"best"})
    String isa;

    private NativeKernels kernels;
    private WeightMatrix w;
    private Activations a;
    private float[] out;
    private long macs;

    /** FP32 operations of the last iteration (2 * M * N * K per product), reported beside the score */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Ops {
        public long flops;
    }

    @Setup(Level.Trial)
    public void setup() {
        String[] kn = shape.split("x");
        int k = Integer.parseInt(kn[0]), n = Integer.parseInt(kn[1]);
        EgemmaBinding b = NativeLibraryLoader.fromSystemProperties().load().binding();
        if (!isa.equals("best")) {
            Isa got = b.setIsaLimit(Isa.byName(isa));
            if (got != Isa.byName(isa)) throw new IllegalStateException("tier " + isa + " not usable here; got " + got);
        }
        GgmlType t = GgmlType.valueOf(type);
        SplittableRandom r = new SplittableRandom(42);
        long count = (long) n * k;
        MemorySegment data = Arena.ofAuto().allocate(count * t.typeSize, 64);
        var le16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < count; i++) {
            float x = (float) (r.nextGaussian() * 0.05);
            switch (t) {
                case F32 -> data.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4 * i, x);
                case F16 -> data.set(le16, 2 * i, Float.floatToFloat16(x));
                default -> data.set(le16, 2 * i, (short) (Float.floatToRawIntBits(x) >>> 16));
            }
        }
        w = new WeightMatrix("bench", t, n, k, data);
        float[] x = new float[m * k];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        kernels = new NativeKernels(b, new ScalarKernels());
        a = kernels.prepare(x, m, k, w);
        out = new float[m * n];
        macs = (long) m * n * k;
    }

    @Benchmark
    public float gemm(Ops ops) {
        kernels.matmul(a, w, 0, w.rows(), out, w.rows());
        ops.flops += 2 * macs;
        return out[0];
    }
}
