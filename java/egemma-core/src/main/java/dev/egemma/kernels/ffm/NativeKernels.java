package dev.egemma.kernels.ffm;

import dev.egemma.Q8Order;
import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.Activations;
import dev.egemma.kernels.Kernels;
import dev.egemma.kernels.WeightMatrix;
import dev.egemma.kernels.java.Q8Expansion;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link Kernels} on libegemma: Q8_0 products run in C on weights repacked once per matrix (the packed copy costs
 * 544 bytes per 16 columns x 32 inputs (512 of quants, 32 of fp16 scales), the Q8_0 bytes themselves; {@link #packedBytes()} tells the total), with the
 * activations quantized in C, bit-identical to ggml's x86 quantizer and to the Java one; RMSNorm, GELU * up and
 * attention, RoPE, mean pooling and the L2 norm run in C, bit-identical to the Java kernels. F32/F16/BF16 products run in C
 * on the weights as mapped (F16/BF16 widened as they are read), bit-identical to the Java kernels' float product; the
 * Java kernels given at construction serve any other weight type but Q4_0, Q5_0 and IQ4_NL: those are repacked from their
 * {@link Q8Expansion} (Q8_0 blocks with the same values; the packed copy is a Q8_0 matrix's size, ~1.9x the file's
 * bytes for those tensors) and multiplied by the Q8_0 GEMM in the block order, their contract, bit-identical to the Java
 * kernels. The Q8_0 products sum in the {@link Q8Order} given at construction: the block order by default (the same bits
 * on every tier and as the Java kernels, faster), or llama.cpp's x86 order.
 *
 * <p>One instance per model: it keeps the packed weights of every matrix it has seen (keyed by the matrix, whose
 * data segment identifies the mapped tensor) until it is garbage collected. Thread-safe: tiles of one product run
 * concurrently; the first tile of a matrix packs it while the others wait.
 */
public final class NativeKernels implements Kernels {

    private final EgemmaBinding lib;
    private final Kernels fallback;
    private final Q8Order q8Order;
    private final ConcurrentHashMap<WeightMatrix, MemorySegment> packed = new ConcurrentHashMap<>();
    private final AtomicLong packedBytes = new AtomicLong();
    private volatile MemorySegment geluTable;
    private final ThreadLocal<MemorySegment> gemmScratch = new ThreadLocal<>();
    /** Each thread's row of attention scores, grown to its longest sequence. */
    private final ThreadLocal<float[]> attentionScores = ThreadLocal.withInitial(() -> new float[64]);

    /** Kernels whose Q8_0 products sum in the block order ({@link Q8Order#BLOCK}). */
    public NativeKernels(EgemmaBinding lib, Kernels fallback) {
        this(lib, fallback, Q8Order.BLOCK);
    }

    /**
     * @param lib the bound library
     * @param fallback Java kernels for what libegemma does not compute
     * @param q8Order float order of every Q8_0 product
     */
    public NativeKernels(EgemmaBinding lib, Kernels fallback, Q8Order q8Order) {
        this.lib = Objects.requireNonNull(lib, "lib");
        this.fallback = Objects.requireNonNull(fallback, "fallback");
        this.q8Order = Objects.requireNonNull(q8Order, "q8Order");
    }

    /**
     * "native-" and the active tier, then {@link Q8Order#kernelNameSuffix()} of the order the Q8_0 products run in (so that
     * bench results and logs show it): {@code -x86} with llama.cpp's order, except on NEON, which has no such kernel.
     */
    @Override
    public String name() {
        Isa tier = lib.activeIsa();
        return "native-" + tier.cName() + (tier == Isa.NEON || tier == Isa.NEON_DOTPROD ? "" : q8Order.kernelNameSuffix());
    }

    /** The float order of the Q8_0 products. */
    public Q8Order q8Order() {
        return q8Order;
    }

    /** Bytes of packed weights held now (native memory, on top of the mapped file). */
    public long packedBytes() {
        return packedBytes.get();
    }

    /** Quantized activations: int8 rows padded to {@link EgemmaBinding#Q8_0_ROW_PAD} with zero rows, float scales. */
    record QuantizedRows(byte[] q, float[] d, int rows, int cols) implements Activations {}

    @Override
    public Activations prepare(float[] a, int m, int k, WeightMatrix w) {
        return prepare(a, m, k, w, null);
    }

    @Override
    public Activations prepare(float[] a, int m, int k, WeightMatrix w, Activations reuse) {
        return prepare(a, m, k, w, reuse, SERIAL);
    }

    /** Activations of F32/F16/BF16 products: the caller's rows, used as they are (no copy). */
    record FloatRows(float[] a, int rows, int cols) implements Activations {}

    /** {@code egemma_float_gemm}'s id of a weight type it multiplies, or -1. */
    static int floatTypeId(GgmlType t) {
        return switch (t) {
            case F32 -> EgemmaBinding.TYPE_F32;
            case F16 -> EgemmaBinding.TYPE_F16;
            case BF16 -> EgemmaBinding.TYPE_BF16;
            default -> -1;
        };
    }

    @Override
    public Activations prepare(float[] a, int m, int k, WeightMatrix w, Activations reuse, RowSplitter rows) {
        Objects.requireNonNull(a, "a");
        boolean q8 = q8Gemm(w.type());
        if (!q8 && floatTypeId(w.type()) < 0) return fallback.prepare(a, m, k, w, reuse, rows);
        if (k != w.cols()) throw new IllegalArgumentException(w.name() + ": activations have " + k + " columns, weights " + w.cols());
        if (m < 0 || (long) m * k > a.length)
            throw new IllegalArgumentException("activations: " + m + " x " + k + " do not fit an array of " + a.length);
        if (!q8) return new FloatRows(a, m, k);
        long mpad = EgemmaBinding.q8_0PaddedRows(m);
        if (mpad * k > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("activations: " + m + " x " + k + " too large");
        int qLen = (int) (mpad * k), dLen = (int) (mpad * (k / EgemmaBinding.QK8_0));
        byte[] q;
        float[] d;
        if (reuse instanceof QuantizedRows r && r.q().length >= qLen && r.d().length >= dLen) {
            q = r.q();
            d = r.d();
            // the kernels read m_pad rows: the pad rows must be zero again (the quantizer writes rows < m only)
            Arrays.fill(q, m * k, qLen, (byte) 0);
            Arrays.fill(d, m * (k / EgemmaBinding.QK8_0), dLen, 0f);
        } else {
            q = new byte[qLen];
            d = new float[dLen];
        }
        MemorySegment as = MemorySegment.ofArray(a), qs = MemorySegment.ofArray(q), ds = MemorySegment.ofArray(d);
        rows.split(m, (r0, r1) -> lib.q8_0Quantize(as, k, r0, r1, qs, ds));
        return new QuantizedRows(q, d, m, k);
    }

    /**
     * Whether libegemma's Q8_0 GEMM computes products of {@code t}: Q8_0 itself, and the types whose weights are Q8_0
     * blocks once their quants are expanded (Q4_0, Q5_0, IQ4_NL, {@link Q8Expansion}): their activations are Q8_0 and
     * their block-order product is Q8_0's.
     */
    static boolean q8Gemm(GgmlType t) {
        return t == GgmlType.Q8_0 || Q8Expansion.expands(t);
    }

    /** The float order of {@code w}'s products: the chosen one for Q8_0, the block order (their contract) for the expansions. */
    private int orderOf(WeightMatrix w) {
        return w.type() == GgmlType.Q8_0 ? q8Order.id() : Q8Order.BLOCK.id();
    }

    /** libegemma multiplies F32, F16, BF16, Q8_0, Q4_0, Q5_0 and IQ4_NL weights; the fallback kernels every other type. */
    private static boolean ownType(GgmlType t) {
        return q8Gemm(t) || floatTypeId(t) >= 0;
    }

    @Override
    public java.util.Set<GgmlType> delegatedTypes(java.util.Set<GgmlType> types) {
        java.util.Set<GgmlType> d = java.util.EnumSet.noneOf(GgmlType.class);
        for (GgmlType t : types) if (!ownType(t)) d.add(t);
        return d;
    }

    /** The fallback kernels, which compute the products of {@link #delegatedTypes}. */
    public Kernels fallback() {
        return fallback;
    }

    /** The fallback's rule for two types it computes (libegemma's own activations serve only their own type). */
    @Override
    public boolean sharesActivations(GgmlType prepared, GgmlType next) {
        // the Q8_0 GEMM's types share libegemma's Q8_0 activations; the fallback's types follow its own rule
        return prepared == next || q8Gemm(prepared) && q8Gemm(next) || !ownType(prepared) && !ownType(next) && fallback.sharesActivations(prepared, next);
    }

    @Override
    public void matmul(Activations a, WeightMatrix w, int n0, int n1, float[] out, int ldOut) {
        int floatType = floatTypeId(w.type());
        if (floatType >= 0) {
            if (!(a instanceof FloatRows fa))
                throw new IllegalArgumentException(w.name() + ": activations were not prepared for " + w.type() + " weights by this backend");
            checkTile(fa, w, n0, n1, out, ldOut);
            lib.floatGemm(MemorySegment.ofArray(fa.a()), fa.rows(), fa.cols(), w.data(), floatType, w.rows(), n0, n1,
                    MemorySegment.ofArray(out), ldOut);
            return;
        }
        if (!q8Gemm(w.type())) {
            if (a instanceof QuantizedRows) throw new IllegalArgumentException(w.name() + ": activations were prepared for Q8_0 weights");
            fallback.matmul(a, w, n0, n1, out, ldOut);
            return;
        }
        if (!(a instanceof QuantizedRows qa))
            throw new IllegalArgumentException(w.name() + ": activations were not prepared for Q8_0 weights by this backend");
        checkTile(qa, w, n0, n1, out, ldOut);
        if (qa.rows() == 0 || n0 == n1) return;
        lib.q8_0Gemm(MemorySegment.ofArray(qa.q()), MemorySegment.ofArray(qa.d()), qa.rows(), qa.cols(), packed(w), w.rows(), n0, n1,
                MemorySegment.ofArray(out), ldOut, gemmScratch(qa.rows(), qa.cols()), orderOf(w));
    }

    @Override
    public boolean splitsRows(WeightMatrix w) {
        return q8Gemm(w.type()); // libegemma biases the rows of every call: a row range halves that work per split
    }

    @Override
    public void matmulRows(Activations a, int m0, int m1, WeightMatrix w, int n0, int n1, float[] out, int ldOut) {
        if (!(a instanceof QuantizedRows qa) || !q8Gemm(w.type())) {
            Kernels.super.matmulRows(a, m0, m1, w, n0, n1, out, ldOut);
            return;
        }
        if (m0 < 0 || m0 > m1 || m1 > qa.rows() || m0 % ROW_SPLIT != 0)
            throw new IndexOutOfBoundsException(w.name() + ": rows [" + m0 + ", " + m1 + ") of " + qa.rows() + " (start a multiple of " + ROW_SPLIT + ")");
        checkTile(qa, w, n0, n1, out, ldOut);
        if (m0 == m1 || n0 == n1) return;
        int k = qa.cols(), nb = k / EgemmaBinding.QK8_0;
        // m0 is a multiple of the row padding, so the slice still holds the padded rows the kernels may read
        lib.q8_0Gemm(MemorySegment.ofArray(qa.q()).asSlice((long) m0 * k), MemorySegment.ofArray(qa.d()).asSlice(4L * m0 * nb), m1 - m0, k,
                packed(w), w.rows(), n0, n1, MemorySegment.ofArray(out).asSlice(4L * m0 * ldOut), ldOut, gemmScratch(m1 - m0, k),
                orderOf(w));
    }

    @Override
    public void rmsNorm(float[] x, int off, int rows, int n, float[] w, float eps) {
        lib.rmsNorm(x, off, rows, n, w, eps);
    }

    @Override
    public void geluMul(float[] gate, float[] up, int count) {
        lib.geluMul(gate, up, count, geluTable());
    }

    @Override
    public void attention(float[] q, float[] k, float[] v, float[] out, int rowOff, int tokens, int nHead, int nHeadKv, int headDim,
                          int headDimV, int head, int halfWindow, int queryFrom, int queryTo) {
        // egemma_attention_head computes the Java kernels' bits (llama.cpp's order); EgemmaBinding validates every index
        float[] scores = attentionScores.get();
        if (scores.length < tokens) attentionScores.set(scores = new float[Math.max(tokens, 2 * scores.length)]);
        lib.attention(q, k, v, out, rowOff, tokens, nHead, nHeadKv, headDim, headDimV, head, halfWindow, queryFrom, queryTo, scores);
    }

    private static void checkTile(Activations qa, WeightMatrix w, int n0, int n1, float[] out, int ldOut) {
        if (qa.cols() != w.cols()) throw new IllegalArgumentException(w.name() + ": activations have " + qa.cols() + " columns, weights " + w.cols());
        if (n0 < 0 || n1 > w.rows() || n0 > n1) throw new IndexOutOfBoundsException(w.name() + ": rows [" + n0 + ", " + n1 + ") of " + w.rows());
        if (ldOut < n1 || (qa.rows() > 0 && (long) (qa.rows() - 1) * ldOut + n1 > out.length))
            throw new IndexOutOfBoundsException(w.name() + ": output of " + out.length + " floats too small for " + qa.rows() + " rows of stride " + ldOut);
    }

    /**
     * ggml's fp16 GELU table, built once per kernel set from the fallback's own {@code geluMul} (with {@code up = 1}
     * every in-range entry is the table value itself), so that the two backends use the same table.
     */
    private MemorySegment geluTable() {
        MemorySegment t = geluTable;
        if (t == null) {
            synchronized (this) {
                if ((t = geluTable) == null) {
                    float[] x = new float[EgemmaBinding.GELU_TABLE_SIZE], ones = new float[x.length];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = Float.float16ToFloat((short) i);
                        ones[i] = 1f;
                    }
                    fallback.geluMul(x, ones, x.length);
                    t = Arena.ofAuto().allocate(4L * x.length, 64);
                    MemorySegment.copy(x, 0, t, java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, x.length);
                    geluTable = t;
                }
            }
        }
        return t;
    }

    /**
     * This thread's GEMM working memory, grown to the largest size it has needed (at most ~80 bytes per input
     * column: libegemma biases 64 rows at a time), so that products allocate nothing in steady state.
     */
    private MemorySegment gemmScratch(int m, int k) {
        long need = lib.q8_0GemmScratchSize(m, k);
        MemorySegment s = gemmScratch.get();
        if (s == null || s.byteSize() < need) {
            s = Arena.ofAuto().allocate(Math.max(need, lib.q8_0GemmScratchSize(EgemmaBinding.Q8_0_ROW_PAD * 2, k)), 64);
            gemmScratch.set(s);
        }
        return s;
    }

    /** The packed copy of {@code w}, made on first use. */
    MemorySegment packed(WeightMatrix w) {
        MemorySegment p = packed.get(w); // every tile of every product asks: a plain read, no lambda
        return p != null ? p : packed.computeIfAbsent(w, this::pack);
    }

    private MemorySegment pack(WeightMatrix w) {
        long size = lib.q8_0PackSize(w.rows(), w.cols());
        // automatic arena: the packed copy lives as long as this kernel set references it
        MemorySegment dst = Arena.ofAuto().allocate(size, EgemmaBinding.Q8_0_PACK_ALIGN);
        if (w.type() == GgmlType.Q8_0) {
            lib.q8_0Pack(w.data(), w.rows(), w.cols(), 0, w.rows(), dst);
        } else {
            // expanded to Q8_0 rows in a transient buffer, then packed as Q8_0 weights are
            try (Arena tmp = Arena.ofConfined()) {
                MemorySegment q8 = tmp.allocate(Q8Expansion.expandedBytes(w), 8);
                Q8Expansion.expand(w, 0, w.rows(), q8);
                lib.q8_0Pack(q8, w.rows(), w.cols(), 0, w.rows(), dst);
            }
        }
        packedBytes.addAndGet(size);
        return dst;
    }

    @Override
    public void ropeNeox(float[] x, int rowOff, int tokens, int rowStride, int heads, int headDim, float[] cos, float[] sin, float scale) {
        lib.ropeNeox(x, rowOff, tokens, rowStride, heads, headDim, cos, sin, scale);
    }

    @Override
    public void meanPool(float[] x, int rowOff, int tokens, int n, float[] out, int outOff) {
        lib.meanPool(x, rowOff, tokens, n, out, outOff);
    }

    @Override
    public void l2Normalize(float[] x, int off, int n) {
        lib.l2Normalize(x, off, n);
    }

    @Override
    public String toString() {
        return name();
    }
}
