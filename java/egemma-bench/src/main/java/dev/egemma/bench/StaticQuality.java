// SPDX-License-Identifier: Apache-2.0
package dev.egemma.bench;

import dev.egemma.Embedder;
import dev.egemma.staticembed.StaticEmbedder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Quality of static EMB8 tables against their teacher: the Spearman rank correlation between the teacher's
 * cosine similarities and the static ones over seeded random pairs of corpus lines.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp java/egemma-bench/target/benchmarks.jar
 * dev.egemma.bench.StaticQuality TEACHER.gguf CORPUS PAIRS SEED A.emb8 [B.emb8 ...]} ({@code -Dthreads=N}: the
 * teacher's compute threads, default all processors). The figures: the 1,000-line corpus, 10,000 pairs.
 */
public final class StaticQuality {
    private StaticQuality() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 5) {
            System.err.println("usage: StaticQuality TEACHER.gguf CORPUS PAIRS SEED A.emb8 [B.emb8 ...]");
            System.exit(2);
        }
        Path teacherPath = Path.of(args[0]);
        List<String> lines = Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8);
        int pairs = Integer.parseInt(args[2]);
        long seed = Long.parseLong(args[3]);
        int[][] pair = pairs(lines.size(), pairs, seed);

        long t0 = System.nanoTime();
        float[][] teacher;
        Embedder.Options o = Embedder.Options.defaults();
        o = o.withThreads(Integer.getInteger("threads", o.threads()));
        try (Embedder e = Embedder.open(teacherPath, o)) {
            teacher = e.embed(lines);
        }
        System.out.printf(Locale.ROOT, "teacher %s: %d lines in %.1f s%n", teacherPath, lines.size(), (System.nanoTime() - t0) / 1e9);
        double[] want = cosines(teacher, pair);
        for (int a = 4; a < args.length; a++) {
            try (StaticEmbedder s = StaticEmbedder.open(Path.of(args[a]))) {
                float[][] got = new float[lines.size()][];
                for (int i = 0; i < got.length; i++) got[i] = s.embed(lines.get(i));
                System.out.printf(Locale.ROOT, "%s (dim %d): Spearman %.4f over %d pairs%n", args[a], s.dimension(), spearman(want, cosines(got, pair)), pairs);
            }
        }
    }

    /** {@code n} seeded random pairs of distinct lines. */
    static int[][] pairs(int lines, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[][] p = new int[n][];
        for (int k = 0; k < n; k++) {
            int i = r.nextInt(lines), j;
            do {
                j = r.nextInt(lines);
            } while (j == i);
            p[k] = new int[] {i, j};
        }
        return p;
    }

    static double[] cosines(float[][] v, int[][] pairs) {
        double[] c = new double[pairs.length];
        for (int k = 0; k < pairs.length; k++) {
            float[] a = v[pairs[k][0]], b = v[pairs[k][1]];
            double ab = 0, aa = 0, bb = 0;
            for (int i = 0; i < a.length; i++) {
                ab += (double) a[i] * b[i];
                aa += (double) a[i] * a[i];
                bb += (double) b[i] * b[i];
            }
            c[k] = ab / Math.sqrt(aa * bb);
        }
        return c;
    }

    /** Pearson correlation of the ranks (ties get their average rank). */
    static double spearman(double[] x, double[] y) {
        double[] rx = ranks(x), ry = ranks(y);
        double mx = Arrays.stream(rx).average().orElse(0), my = Arrays.stream(ry).average().orElse(0);
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < rx.length; i++) {
            sxy += (rx[i] - mx) * (ry[i] - my);
            sxx += (rx[i] - mx) * (rx[i] - mx);
            syy += (ry[i] - my) * (ry[i] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }

    static double[] ranks(double[] v) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> Double.compare(v[a], v[b]));
        double[] r = new double[v.length];
        int i = 0;
        while (i < v.length) {
            int j = i;
            while (j + 1 < v.length && v[idx[j + 1]] == v[idx[i]]) j++;
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) r[idx[k]] = rank;
            i = j + 1;
        }
        return r;
    }

}
