// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import java.util.EnumSet;
import java.util.Set;

/** Raw CPU features libegemma detects ({@code EGEMMA_CPU_*} bits of {@code include/egemma.h}), for diagnostics. */
public enum CpuFeature {
    AVX2(0, "avx2"),
    FMA(1, "fma"),
    F16C(2, "f16c"),
    AVX512F(3, "avx512f"),
    AVX512BW(4, "avx512bw"),
    AVX512VL(5, "avx512vl"),
    AVX512VNNI(6, "avx512vnni"),
    AMX_TILE(7, "amx-tile"),
    AMX_INT8(8, "amx-int8"),
    NEON(16, "neon"),
    DOTPROD(17, "dotprod");

    private final int bit;
    private final String label;

    CpuFeature(int bit, String label) {
        this.bit = bit;
        this.label = label;
    }

    /** Bit index in the {@code egemma_cpu_features()} mask. */
    public int bit() {
        return bit;
    }

    public String label() {
        return label;
    }

    public static Set<CpuFeature> fromMask(int mask) {
        EnumSet<CpuFeature> set = EnumSet.noneOf(CpuFeature.class);
        for (CpuFeature f : values()) if ((mask >>> f.bit & 1) != 0) set.add(f);
        return set;
    }
}
