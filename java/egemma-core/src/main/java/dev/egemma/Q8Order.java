package dev.egemma;

import dev.egemma.kernels.ffm.EgemmaBinding;
import java.util.Locale;

/**
 * Float summation order of the native backend's Q8_0 matrix products (libegemma's Q8_0 GEMM); ids are the
 * {@code EGEMMA_Q8_0_ORDER_*} constants of {@code include/egemma.h}. Both orders scale the exact int32 dot of each
 * 32-block by {@code d_w * d_a} (exact in float); they differ only in how those terms are added. Chosen per
 * {@link Embedder} ({@link Embedder.Options#withQ8Order}), else per process: {@code -Degemma.q8Order} /
 * {@code EGEMMA_Q8_ORDER} (see {@link dev.egemma.kernels.Backends#q8Order()}). The Java backend has no such choice
 * (its Q8_0 products are llama.cpp's x86 order; {@code -Degemma.java.fastQ8} trades that for speed).
 */
public enum Q8Order {
    /**
     * llama.cpp's x86 order (tinyBLAS: eight float lanes per output, then a fixed addition tree): llama.cpp's bits on
     * the scalar, AVX2, AVX-512 and AMX tiers, and the Java backend's. The NEON tiers have no such kernel and sum
     * in block order. The default.
     */
    X86(EgemmaBinding.Q8_0_ORDER_X86, "x86"),
    /**
     * One accumulator per output, {@code acc = fma(isum_b, d_w * d_a, acc)} block after block: the same bits on every
     * tier (and the AMX tile kernel), faster than {@link #X86} (one conversion and FMA per block instead of eight),
     * but not llama.cpp's bits.
     */
    BLOCK(EgemmaBinding.Q8_0_ORDER_BLOCK, "block");

    private final int id;
    private final String cName;

    Q8Order(int id, String cName) {
        this.id = id;
        this.cName = cName;
    }

    /** {@code EGEMMA_Q8_0_ORDER_*} value, the {@code order} argument of {@code egemma_q8_0_gemm}. */
    public int id() {
        return id;
    }

    /** The name {@code -Degemma.q8Order}, {@code EGEMMA_Q8_ORDER} and the CLI's {@code --q8-order} accept. */
    public String cName() {
        return cName;
    }

    /**
     * The order named {@code name} (case and surrounding blanks ignored).
     *
     * @throws IllegalArgumentException naming the known orders
     */
    public static Q8Order byName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (Q8Order o : values()) if (o.cName.equals(n)) return o;
        throw new IllegalArgumentException("unknown Q8_0 order '" + name + "'; known orders: " + names());
    }

    /** "x86, block". */
    public static String names() {
        StringBuilder sb = new StringBuilder();
        for (Q8Order o : values()) sb.append(sb.isEmpty() ? "" : ", ").append(o.cName);
        return sb.toString();
    }
}
