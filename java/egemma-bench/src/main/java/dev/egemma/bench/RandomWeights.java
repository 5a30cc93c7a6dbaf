// SPDX-License-Identifier: Apache-2.0
package dev.egemma.bench;

import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.WeightMatrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/** Weight matrices of any quantized type for kernel benchmarks: random quant bytes, finite positive fp16 scales. */
final class RandomWeights {
    private RandomWeights() {}

    /** {@code n} rows of {@code k} weights of type {@code t}, reproducible from {@code seed}. */
    static WeightMatrix matrix(GgmlType t, int n, int k, long seed) {
        if (t.halfScaleOffsets().length == 0) throw new IllegalArgumentException("no quantized kernel for " + t);
        Random r = new Random(seed);
        long blocks = (long) n * k / t.blockSize;
        MemorySegment s = Arena.ofAuto().allocate(blocks * t.typeSize, 2);
        var le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long b = 0; b < blocks; b++) {
            for (int j = 0; j < t.typeSize; j++) s.set(ValueLayout.JAVA_BYTE, b * t.typeSize + j, (byte) (r.nextInt(256) - 128));
            for (int f : t.halfScaleOffsets()) s.set(le, b * t.typeSize + f, Float.floatToFloat16((float) (0.002 + 0.01 * r.nextDouble())));
        }
        return new WeightMatrix("bench", t, n, k, s);
    }
}
