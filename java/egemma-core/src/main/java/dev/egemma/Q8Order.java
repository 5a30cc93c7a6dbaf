// SPDX-License-Identifier: Apache-2.0
package dev.egemma;

import dev.egemma.kernels.ffm.EgemmaBinding;
import java.util.Locale;

/**
 * Float summation order of the Q8_0 matrix products, on both backends (libegemma's Q8_0 GEMM and the Java kernels);
 * ids are the {@code EGEMMA_Q8_0_ORDER_*} constants of {@code include/egemma.h}. Both orders scale the exact int32 dot
 * of each 32-block by {@code d_w * d_a} (exact in float); they differ only in how those terms are added. Chosen per
 * {@link Embedder} ({@link Embedder.Options#withQ8Order}), else per process: {@code -Degemma.q8Order} /
 * {@code EGEMMA_Q8_ORDER} (see {@link dev.egemma.kernels.Backends#q8Order()}), else {@link #BLOCK}.
 *
 * <p>Names ({@link #byName}, the CLI's {@code --q8-order}, the property, the environment variable, Spring's
 * {@code egemma.q8-order}): {@code block} and {@code llamacpp-x86}; the older name {@code x86} still means
 * {@code llamacpp-x86}.
 */
public enum Q8Order {
    /**
     * {@code llamacpp-x86}: llama.cpp's x86 order (tinyBLAS: eight float lanes per output, then a fixed addition tree),
     * which reproduces llama.cpp's x86 bits where llama.cpp's own order allows: on libegemma's scalar, AVX2, AVX-512 and
     * AMX tiers and on the Java backend. The NEON tiers have no such kernel and sum in block order. Opt-in: slower than
     * {@link #BLOCK}.
     */
    X86(EgemmaBinding.Q8_0_ORDER_X86, "llamacpp-x86", "x86"),
    /**
     * {@code block}, the default: one accumulator per output, {@code acc = fma(isum_b, d_w * d_a, acc)} block after
     * block: the same bits on every libegemma tier (and the AMX tile kernel) and on the Java backend, faster than
     * {@link #X86} (one conversion and FMA per block instead of eight), but not llama.cpp's bits.
     */
    BLOCK(EgemmaBinding.Q8_0_ORDER_BLOCK, "block");

    private final int id;
    private final String cName;
    private final String[] aliases;

    Q8Order(int id, String cName, String... aliases) {
        this.id = id;
        this.cName = cName;
        this.aliases = aliases;
    }

    /**
     * The order's id in libegemma's C API.
     *
     * @return the {@code EGEMMA_Q8_0_ORDER_*} value, the {@code order} argument of {@code egemma_q8_0_gemm}
     */
    public int id() {
        return id;
    }

    /**
     * The order's canonical name.
     *
     * @return the name {@code -Degemma.q8Order}, {@code EGEMMA_Q8_ORDER} and the CLI's {@code --q8-order} accept (and
     *         reports show): {@code block} or {@code llamacpp-x86}
     */
    public String cName() {
        return cName;
    }

    /**
     * What the names of kernel sets computing this order append: nothing for the default {@link #BLOCK}, {@code -x86}
     * for {@link #X86} ({@code native-avx512-x86}, {@code java-vector-512-x86}; egemma bench parses it back out).
     *
     * @return {@code ""} or {@code "-x86"}
     */
    public String kernelNameSuffix() {
        return this == X86 ? "-x86" : "";
    }

    /**
     * The order named {@code name} (case and surrounding blanks ignored): {@code block}, {@code llamacpp-x86} or its
     * older name {@code x86}.
     *
     * @param name an order's name or alias
     * @return the order
     * @throws IllegalArgumentException naming the known orders
     */
    public static Q8Order byName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (Q8Order o : values()) {
            if (o.cName.equals(n)) return o;
            for (String a : o.aliases) if (a.equals(n)) return o;
        }
        throw new IllegalArgumentException("unknown Q8_0 order '" + name + "'; known orders: " + names());
    }

    /**
     * The accepted names, for messages and help texts.
     *
     * @return "block, llamacpp-x86 (or x86)": the default first, older names in parentheses
     */
    public static String names() {
        StringBuilder sb = new StringBuilder();
        for (Q8Order o : new Q8Order[] {BLOCK, X86}) {
            sb.append(sb.isEmpty() ? "" : ", ").append(o.cName);
            if (o.aliases.length > 0) sb.append(" (or ").append(String.join(", ", o.aliases)).append(')');
        }
        return sb.toString();
    }
}
