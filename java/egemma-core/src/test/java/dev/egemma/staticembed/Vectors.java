// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufTensor;
import dev.egemma.gguf.GgmlType;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Test arithmetic in double, independent of the code under test. */
final class Vectors {
    private Vectors() {}

    static double cos(double[] a, double[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }

    static double[] d(float[] x) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) r[i] = x[i];
        return r;
    }

    static double[] minus(float[] a, float[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) r[i] = (double) a[i] - b[i];
        return r;
    }

    static double[] minus(float[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i] - b[i];
        return r;
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    /** The rows of an F32 token_embd read straight from the mapping (no dequantizer involved). */
    static float[][] f32TokenEmbd(GgufFile f) {
        GgufTensor t = f.tensor("token_embd.weight");
        if (t.type() != GgmlType.F32) throw new IllegalStateException("test expects an F32 token_embd, got " + t.type());
        int cols = (int) t.shape()[0], rows = (int) t.shape()[1];
        float[][] x = new float[rows][cols];
        ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) x[r][c] = t.data().get(f32, 4L * ((long) r * cols + c));
        return x;
    }

    static int[] sample(int n, int count, long seed) {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        int[] s = new int[count];
        for (int i = 0; i < count; i++) s[i] = rnd.nextInt(n);
        return s;
    }
}
