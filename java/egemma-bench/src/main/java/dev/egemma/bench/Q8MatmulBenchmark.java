// SPDX-License-Identifier: Apache-2.0
package dev.egemma.bench;

import dev.egemma.Q8Order;
import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.Activations;
import dev.egemma.kernels.KernelProvider;
import dev.egemma.kernels.Kernels;
import dev.egemma.kernels.WeightMatrix;
import dev.egemma.kernels.java.ScalarKernels;
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

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * One thread, one whole quantized product {@code C[M x N] = A[M x K] * W[N x K]^T} on the Java kernels, activation
 * quantization included, for the model's (K, N) shapes: Q8_0 by default, any other weight type the Java kernels
 * compute with {@code -p type=Q4_0,Q4_K,Q6_K,IQ4_XS} (the K-quants and IQ4_XS need K a multiple of 256: drop
 * {@code 1152x768}, where llama.cpp's quantizer falls back to a 32-wide type too). Achieved GMAC/s = M*K*N / (time
 * per op in ns). Weights are random blocks with fp16 scales set to 0.002..0.012. Q8_0 in both orders: {@code block}
 * (the default) and {@code llamacpp-x86} (the other types have the block order only: the parameter does not change them).
 *
 * <p>Run: {@code java -jar java/egemma-bench/target/benchmarks.jar Q8MatmulBenchmark}
 * (add {@code -p kernels=scalar} for the scalar fallback, {@code -p order=block} for one order).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"})
public class Q8MatmulBenchmark {
    /** K x N: q/o (768x768), k/v (768x256), gate/up (768x1152), down (1152x768). */
    @Param({"768x768", "768x256", "768x1152", "1152x768"})
    public String shape;

    @Param({"1", "8", "64", "512"})
    public int m;

    @Param({"vector", "scalar"})
    public String kernels;

    /** Float order of the Q8_0 products ({@link Q8Order#byName}). */
    @Param({"block", "llamacpp-x86"})
    public String order;

    /** Weight type (a {@link GgmlType} name). */
    @Param({"Q8_0"})
    public String type;

    private Kernels k;
    private WeightMatrix w;
    private float[] a, out;

    @Setup(Level.Trial)
    public void setup() {
        String[] kn = shape.split("x");
        int kk = Integer.parseInt(kn[0]), n = Integer.parseInt(kn[1]);
        Q8Order o = Q8Order.byName(order);
        k = kernels.equals("scalar") ? new ScalarKernels(o) : KernelProvider.javaKernels(o);
        Random r = new Random(42);
        w = RandomWeights.matrix(GgmlType.valueOf(type), n, kk, 42);
        a = new float[m * kk];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        out = new float[m * n];
    }

    @Benchmark
    public float[] matmul() {
        Activations p = k.prepare(a, m, w.cols(), w);
        k.matmul(p, w, 0, w.rows(), out, w.rows());
        return out;
    }
}
