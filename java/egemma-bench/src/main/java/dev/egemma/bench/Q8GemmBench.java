// SPDX-License-Identifier: Apache-2.0
package dev.egemma.bench;

import dev.egemma.Q8Order;
import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.Activations;
import dev.egemma.kernels.WeightMatrix;
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
 * libegemma's quantized GEMMs (Q8_0 by default; {@code -p type=Q4_K,Q6_K,...} for the others: the Q8_0 GEMM on their
 * Q8_0 expansion, or the super-block GEMM), one thread, one downcall per product: {@code C[M x N] = A[M x K] * W[N x K]^T} on weights
 * packed once (setup) and activations quantized once (setup), through {@link NativeKernels#matmul} (so the Java-side
 * checks and the heap-array critical downcall are included). The model's shapes: (K, N) = (768, 768) for
 * attn_q/attn_output, (768, 256) for attn_k/attn_v, (768, 1152) for ffn_gate/ffn_up, (1152, 768) for ffn_down,
 * (768, 3072)/(3072, 768) for the dense layers.
 *
 * <p>Score: products per second; int8 GOPS = score * 2*M*N*K / 1e9 (one multiply and one add per MAC). The tier's
 * single-core peak, for comparison: clock * int8 MACs per cycle * 2, with MACs per cycle = 2 ports x 64 for
 * AVX-512 VNNI (vpdpbusd, 16 lanes x 4), 1024 for AMX (TDPBSSD: 16x16x64 in 16 cycles), 2 ports x 32 for AVX2
 * (vpmaddubsw 32 byte pairs) and the scalar tier about 1. Read the clock from /proc/cpuinfo or lscpu. The exact
 * (llama.cpp lane order, {@code -p order=llamacpp-x86}) AVX-512 kernel needs one vpdpbusd and one FMA per 64 MACs; on Zen 4/5 both issue on the same
 * two pipes (measured on Zen 5: 2 vpdpbusd or 2 FMA per cycle, 1 of each per cycle together), so its ceiling is half
 * the raw peak: 64 MACs per cycle, ~420 int8 GOPS per core at 3.3 GHz. The block order (the default,
 * {@code -p order=block}, {@link Q8Order#BLOCK}: one int-to-float conversion and FMA per block and output instead of eight lanes' worth;
 * on the AMX tier, the tile kernel): per 16 outputs and block, 8 vpdpbusd, one vmulps (d_w * d_a) and one FMA on the
 * same two pipes, so 8/10 of the raw peak: ~102 MACs per cycle, ~675 int8 GOPS per core at 3.3 GHz (the conversion
 * issues on the other pipes).
 *
 * The super-block types (K-quants, IQ4_XS) add per sub-block of 16 (32) MACs per column one vpmulld and per
 * super-block one vpdpwssd per 32 elements for the min term: their ceiling on AVX-512 VNNI is ~8/9 (sub-blocks of 32)
 * or ~4/5 (of 16) of the block order's Q8_0 ceiling.
 *
 * <pre>java -jar java/egemma-bench/target/benchmarks.jar Q8GemmBench -p isa=amx,avx512,avx2 -p m=1,8,64,512 -p order=llamacpp-x86,block
 * java -jar java/egemma-bench/target/benchmarks.jar Q8GemmBench -p type=Q8_0,Q4_0,Q4_1,Q4_K,Q5_K,Q6_K,Q3_K,Q2_K,IQ4_XS -p m=64 -p shape=768x1152</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"})
public class Q8GemmBench {

    @Param({"1", "8", "64", "512"})
    int m;

    /** "KxN" (JMH splits -p values at commas) */
    @Param({"768x768", "768x256", "768x1152", "1152x768", "768x3072", "3072x768"})
    String shape;

    /** libegemma tier; lowered with egemma_set_isa_limit */
    @Param({"best"})
    String isa;

    /** Q8_0 float order ({@link Q8Order#byName}): block (the default) or llamacpp-x86 (llama.cpp's; old name x86); every other type sums in the block order */
    @Param({"block"})
    String order;

    /** weight type: Q8_0, or any other quantized type of the contract (Q4_0 ... IQ4_XS, on their native kernels) */
    @Param({"Q8_0"})
    String type;

    private NativeKernels kernels;
    private WeightMatrix w;
    private Activations a;
    private float[] out;
    private long macs;

    /** int8 GOPS of the last iteration (2 * M * N * K per product), reported beside the score */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Ops {
        public long int8Ops;
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
        SplittableRandom r = new SplittableRandom(42);
        w = RandomWeights.matrix(GgmlType.valueOf(type), n, k, 42);
        float[] x = new float[m * k];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        kernels = new NativeKernels(b, new ScalarKernels(), Q8Order.byName(order));
        a = kernels.prepare(x, m, k, w);
        out = new float[m * n];
        kernels.matmul(a, w, 0, n, out, n); // packs the weights
        macs = (long) m * n * k;
    }

    @Benchmark
    public float gemm(Ops ops) {
        kernels.matmul(a, w, 0, w.rows(), out, w.rows());
        ops.int8Ops += 2 * macs;
        return out[0];
    }
}
