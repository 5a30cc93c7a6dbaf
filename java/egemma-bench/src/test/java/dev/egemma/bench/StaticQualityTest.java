// SPDX-License-Identifier: Apache-2.0
package dev.egemma.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class StaticQualityTest {

    @Test
    void spearmanIsPearsonOfRanksWithTiesAveraged() {
        assertEquals(1, StaticQuality.spearman(new double[] {1, 2, 3, 4}, new double[] {10, 20, 25, 100}), 1e-12); // monotone
        assertEquals(-1, StaticQuality.spearman(new double[] {1, 2, 3, 4}, new double[] {4, 3, 2, 1}), 1e-12);
        assertArrayEquals(new double[] {1, 2.5, 2.5, 4}, StaticQuality.ranks(new double[] {0.1, 0.5, 0.5, 0.9}));
        // scipy.stats.spearmanr([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]).statistic == 0.8
        assertEquals(0.8, StaticQuality.spearman(new double[] {1, 2, 3, 4, 5}, new double[] {2, 1, 4, 3, 5}), 1e-12);
    }

    @Test
    void pairsAreSeededAndDistinct() {
        int[][] a = StaticQuality.pairs(1000, 10_000, 42), b = StaticQuality.pairs(1000, 10_000, 42);
        assertArrayEquals(a, b);
        for (int[] p : a) assertNotEquals(p[0], p[1]);
    }
}
