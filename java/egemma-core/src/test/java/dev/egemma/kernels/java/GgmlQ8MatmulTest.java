// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class GgmlQ8MatmulTest {

    /** Random Q8_0 weight rows (fp16 scales, full int8 range) in ggml's block layout. */
    static MemorySegment weights(Random r, int n, int k) {
        int nb = k / 32;
        MemorySegment w = Arena.ofAuto().allocate((long) n * nb * 34);
        for (long blk = 0; blk < (long) n * nb; blk++) {
            long o = blk * 34;
            w.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), o, Float.floatToFloat16(0.001f + r.nextFloat() * 0.01f));
            for (int j = 0; j < 32; j++) w.set(ValueLayout.JAVA_BYTE, o + 2 + j, (byte) (r.nextInt(256) - 128));
        }
        return w;
    }

    static Q8Rows activations(Random r, int m, int k) {
        float[] x = new float[m * k];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian() * 3f;
        return Q8Rows.quantize(x, m, k);
    }

    @ParameterizedTest(name = "m={0} n={1} k={2}")
    @CsvSource({"1,1,32", "1,2,64", "2,3,32", "3,7,96", "4,31,64", "5,32,128", "7,33,256", "31,63,32", "33,65,64", "1,257,128", "17,255,96"})
    void vectorIsBitIdenticalToTheScalarOrderAndCloseToExactSums(int m, int n, int k) {
        Random r = new Random(31L * m + 7L * n + k);
        MemorySegment w = weights(r, n, k);
        Q8Rows a = activations(r, m, k);
        float[] ref = new float[m * n];
        GgmlQ8Matmul.scalar(a, w, 0, n, ref, n);

        // independent check: the same sum in double, with a bound from float accumulation over k/32 blocks
        int nb = k / 32;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double exact = 0, mag = 0;
                for (int b = 0; b < nb; b++) {
                    long o = ((long) j * nb + b) * 34;
                    double dw = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), o));
                    double isum = 0, iabs = 0;
                    for (int t = 0; t < 32; t++) {
                        double p = a.q()[i * k + b * 32 + t] * w.get(ValueLayout.JAVA_BYTE, o + 2 + t);
                        isum += p;
                        iabs += Math.abs(p);
                    }
                    exact += (double) (float) (dw * a.d()[i * nb + b]) * isum;
                    mag += Math.abs(dw * a.d()[i * nb + b]) * iabs;
                }
                // each of the 8 lanes rounds once per block (fma) and the final tree adds 3 roundings
                double bound = (nb + 3) * 0x1p-24 * mag * 1.01;
                assertEquals(exact, ref[i * n + j], bound, "m=" + i + " n=" + j);
            }

        GgmlQ8Matmul.Vector v = new GgmlQ8Matmul.Vector(FloatVector.SPECIES_PREFERRED);
        ExactQ8Tiles tiles = new ExactQ8Tiles();
        long rowBytes = (k / 32) * 34L;
        float[] got = new float[m * n];
        tiles.matmul(a, v.regroupActivations(a), w, rowBytes, 0, n, got, n);
        assertArrayEquals(ref, got, "the vector product must equal the scalar order bit for bit");
        if (n > 2) { // a column tile [1, n-1) writes only its columns
            float[] tile = new float[m * n];
            tiles.matmul(a, v.regroupActivations(a), w, rowBytes, 1, n - 1, tile, n);
            for (int i = 0; i < m; i++) {
                assertEquals(0f, tile[i * n]);
                assertEquals(0f, tile[i * n + n - 1]);
                for (int j = 1; j < n - 1; j++) assertEquals(ref[i * n + j], tile[i * n + j]);
            }
        }
    }
}
