package dev.egemma.bench;

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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * One thread, one whole Q8_0 product {@code C[M x N] = A[M x K] * W[N x K]^T} on the Java kernels, activation
 * quantization included, for the model's (K, N) shapes. Achieved GMAC/s = M*K*N / (time per op in ns).
 *
 * <p>Run: {@code java -jar java/egemma-bench/target/benchmarks.jar Q8MatmulBenchmark}
 * (add {@code -p kernels=scalar} for the scalar fallback).
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

    private Kernels k;
    private WeightMatrix w;
    private float[] a, out;

    @Setup(Level.Trial)
    public void setup() {
        String[] kn = shape.split("x");
        int kk = Integer.parseInt(kn[0]), n = Integer.parseInt(kn[1]);
        k = kernels.equals("scalar") ? new ScalarKernels() : KernelProvider.javaKernels();
        Random r = new Random(42);
        MemorySegment s = Arena.ofAuto().allocate((long) n * kk / 32 * 34);
        var le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long b = 0; b < (long) n * kk / 32; b++) {
            s.set(le, b * 34, Float.floatToFloat16((float) (0.002 + 0.01 * r.nextDouble())));
            for (int j = 0; j < 32; j++) s.set(ValueLayout.JAVA_BYTE, b * 34 + 2 + j, (byte) (r.nextInt(256) - 128));
        }
        w = new WeightMatrix("bench", GgmlType.Q8_0, n, kk, s);
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
