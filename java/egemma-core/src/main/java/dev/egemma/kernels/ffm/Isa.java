// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** Kernel tiers of libegemma; ids and names are the {@code EGEMMA_ISA_*} constants of {@code include/egemma.h}. */
public enum Isa {
    SCALAR(0, "scalar"),
    AVX2(1, "avx2"),
    AVX512(2, "avx512"),
    AMX(3, "amx"),
    NEON(4, "neon"),
    NEON_DOTPROD(5, "neon_dotprod");

    private final int id;
    private final String cName;

    Isa(int id, String cName) {
        this.id = id;
        this.cName = cName;
    }

    /** {@code EGEMMA_ISA_*} value. */
    public int id() {
        return id;
    }

    /** The name {@code egemma_isa_name} returns and {@code EGEMMA_ISA} / {@code -Degemma.isa} accept. */
    public String cName() {
        return cName;
    }

    public static Isa byId(int id) {
        for (Isa t : values()) if (t.id == id) return t;
        throw new IllegalArgumentException("unknown libegemma tier id " + id);
    }

    public static Isa byName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (Isa t : values()) if (t.cName.equals(n)) return t;
        throw new IllegalArgumentException("unknown libegemma tier '" + name + "'; known tiers: " + names());
    }

    /** The tiers whose bit is set in an {@code egemma_caps()} mask. */
    public static Set<Isa> fromCaps(int caps) {
        EnumSet<Isa> set = EnumSet.noneOf(Isa.class);
        for (Isa t : values()) if ((caps >>> t.id & 1) != 0) set.add(t);
        return set;
    }

    static String names() {
        StringBuilder sb = new StringBuilder();
        for (Isa t : values()) sb.append(sb.isEmpty() ? "" : ", ").append(t.cName);
        return sb.toString();
    }
}
