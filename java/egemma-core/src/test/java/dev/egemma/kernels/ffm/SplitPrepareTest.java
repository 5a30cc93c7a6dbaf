// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.Activations;
import dev.egemma.kernels.KernelProvider;
import dev.egemma.kernels.Kernels;
import dev.egemma.kernels.WeightMatrix;
import dev.egemma.kernels.java.ScalarKernels;
import dev.egemma.kernels.java.VectorKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Activations prepared with their rows split ({@link Kernels#prepare(float[], int, int, WeightMatrix, Activations,
 * Kernels.RowSplitter)}, as the forward pass does over its pool) give the same products, bit for bit, as activations
 * prepared in one piece: for every Java kernel set and the native one, with ranges of uneven length run on two threads
 * at once, into fresh and into reused buffers, for Q8_0 and F32 weights.
 */
class SplitPrepareTest {
    private static final ValueLayout.OfShort FP16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static Stream<Arguments> backends() {
        List<Arguments> out = new ArrayList<>();
        out.add(Arguments.of("scalar", new ScalarKernels()));
        out.add(Arguments.of("scalar-x86", new ScalarKernels(dev.egemma.Q8Order.X86)));
        out.add(Arguments.of("java", KernelProvider.javaKernels()));
        out.add(Arguments.of("java-x86", KernelProvider.javaKernels(dev.egemma.Q8Order.X86)));
        out.add(Arguments.of("java-fastq8", new VectorKernels(dev.egemma.Q8Order.X86, true)));
        // fails, not skips, under CI=true when the native library cannot be loaded
        out.add(Arguments.of("native", new NativeKernels(NativeTestSupport.requireNative().binding(), new ScalarKernels())));
        out.add(Arguments.of("native-x86", new NativeKernels(NativeTestSupport.requireNative().binding(), new ScalarKernels(), dev.egemma.Q8Order.X86)));
        return out.stream();
    }

    /** Ranges of 1, 2, 3, ... rows (the last one shorter), every other range on a second thread. */
    static final Kernels.RowSplitter UNEVEN = (m, body) -> {
        List<CompletableFuture<Void>> other = new ArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        for (int r0 = 0, len = 1; r0 < m; r0 += len, len++) {
            int a = r0, b = Math.min(m, r0 + len);
            if (calls.getAndIncrement() % 2 == 1) other.add(CompletableFuture.runAsync(() -> body.run(a, b)));
            else body.run(a, b);
        }
        other.forEach(CompletableFuture::join);
    };

    static WeightMatrix weights(GgmlType type, int n, int k, Random r) {
        if (type == GgmlType.F32) {
            MemorySegment s = Arena.ofAuto().allocate((long) n * k * 4);
            for (long i = 0; i < (long) n * k; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) r.nextGaussian());
            return new WeightMatrix("w", type, n, k, s);
        }
        MemorySegment s = Arena.ofAuto().allocate((long) n * k / 32 * 34);
        for (long b = 0; b < (long) n * k / 32; b++) {
            s.set(FP16, b * 34, Float.floatToFloat16((float) (0.001 + r.nextDouble() * 0.05)));
            for (int j = 0; j < 32; j++) s.set(ValueLayout.JAVA_BYTE, b * 34 + 2 + j, (byte) (r.nextInt(256) - 128));
        }
        return new WeightMatrix("w", type, n, k, s);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void splitPreparationGivesTheSameBits(String name, Kernels kernels) {
        Random r = new Random(7);
        for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.F32}) {
            int n = 37;
            Activations reuse = null;
            for (int m : new int[] {1, 2, 31, 33, 70}) {
                for (int k : new int[] {32, 96, 768}) {
                    WeightMatrix w = weights(type, n, k, r);
                    float[] a = new float[m * k];
                    for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextGaussian() * (i % 7 == 0 ? 10 : 1));
                    float[] want = new float[m * n], got = new float[m * n];
                    kernels.matmul(kernels.prepare(a, m, k, w), w, 0, n, want, n);
                    Activations split = kernels.prepare(a, m, k, w, reuse, UNEVEN);
                    assertEquals(m, split.rows());
                    kernels.matmul(split, w, 0, n, got, n);
                    assertArrayEquals(want, got, name + " " + type + " m=" + m + " k=" + k);
                    reuse = split;
                }
            }
        }
    }
}
