// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import dev.egemma.Q8Order;
import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.Activations;
import dev.egemma.kernels.Kernels;
import dev.egemma.kernels.WeightMatrix;
import dev.egemma.kernels.java.KqUnpacking;
import dev.egemma.kernels.java.Q8Expansion;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
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
    /** Made on first use: the Java kernels' start (the Vector API's classes) is ~50 ms a native run does not need. */
    private final Supplier<Kernels> fallbackSupplier;
    private volatile Kernels fallback;
    private final Q8Order q8Order;
    private final ConcurrentHashMap<WeightMatrix, Packed> packed = new ConcurrentHashMap<>();
    private final AtomicLong packedBytes = new AtomicLong();
    private java.nio.file.Path libraryFile; // the loaded libegemma, null when constructed from a bare binding
    private volatile PackCache cache; // null: packs are made in memory only
    private volatile int cacheProducts = Integer.MAX_VALUE;
    private final java.util.concurrent.atomic.AtomicBoolean storing = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicInteger fromCache = new java.util.concurrent.atomic.AtomicInteger();
    private volatile MemorySegment geluTable;
    private final ThreadLocal<MemorySegment> gemmScratch = new ThreadLocal<>();
    /** Each thread's attention scratch (egemma_attention_scratch_size), grown to its longest sequence. */
    private final ThreadLocal<float[]> attentionScratch = ThreadLocal.withInitial(() -> new float[0]);

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
        this(lib, Objects.requireNonNull(fallback, "fallback"), q8Order, null);
    }

    /**
     * As {@link #NativeKernels(EgemmaBinding, Kernels, Q8Order)}, the fallback made when first needed; {@code library}
     * is the file the binding was loaded from (its identity keys the pack cache: see {@link #usePackCache}).
     */
    public NativeKernels(NativeLibrary library, Supplier<Kernels> fallback, Q8Order q8Order) {
        this(library.binding(), null, q8Order, Objects.requireNonNull(fallback, "fallback"));
        this.libraryFile = library.path();
    }

    private NativeKernels(EgemmaBinding lib, Kernels fallback, Q8Order q8Order, Supplier<Kernels> supplier) {
        this.lib = Objects.requireNonNull(lib, "lib");
        this.fallback = fallback;
        this.fallbackSupplier = supplier;
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

    /**
     * Quantized activations: int8 rows padded to {@link EgemmaBinding#Q8_0_ROW_PAD} with zero rows, float scales, and
     * for Q4_1/Q5_1 weights the Q8_1 sums of the blocks ({@code sa}, else null).
     */
    record QuantizedRows(byte[] q, float[] d, float[] sa, int rows, int cols, Buffers buffers) implements Activations {}

    /** Q8_K activations of the super-block types: int8 quants, a float scale per 256, the int16 sum of each 16. */
    record KqRows(byte[] q, float[] d, short[] bsums, int rows, int cols, Buffers buffers) implements Activations {}

    /**
     * The arrays behind prepared activations, grown to the largest product and handed from one prepared set to the next
     * ({@code reuse}) whatever their types: a file mixing Q8_0-family and super-block matrices (Q4_K_M's ffn_down, of
     * 1,152 inputs, is no K-quant) alternates the two kinds layer after layer, and new arrays each time made the heap
     * grow (peak RSS 800 MiB against 500 for Q8_0 on corpus-1000).
     */
    static final class Buffers {
        private byte[] q = new byte[0];
        private float[] d = new float[0], s = new float[0];
        private short[] bs = new short[0];

        static Buffers of(Activations reuse) {
            if (reuse instanceof QuantizedRows r) return r.buffers();
            if (reuse instanceof KqRows r) return r.buffers();
            return new Buffers();
        }

        byte[] q(int n) {
            return q.length >= n ? q : (q = new byte[n]);
        }

        float[] d(int n) {
            return d.length >= n ? d : (d = new float[n]);
        }

        float[] s(int n) {
            return s.length >= n ? s : (s = new float[n]);
        }

        short[] bs(int n) {
            return bs.length >= n ? bs : (bs = new short[n]);
        }
    }

    /** A matrix's packed weights, and the float mins of Q4_1/Q5_1 (block-major: {@code rows} per block, else null). */
    record Packed(MemorySegment data, MemorySegment mins) {}

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
        boolean q8 = q8Gemm(w.type()), kq = KqUnpacking.isKq(w.type());
        if (!q8 && !kq && floatTypeId(w.type()) < 0) return fallback().prepare(a, m, k, w, reuse, rows);
        if (k != w.cols()) throw new IllegalArgumentException(w.name() + ": activations have " + k + " columns, weights " + w.cols());
        if (m < 0 || (long) m * k > a.length)
            throw new IllegalArgumentException("activations: " + m + " x " + k + " do not fit an array of " + a.length);
        if (kq) return prepareKq(a, m, k, reuse, rows);
        if (!q8) return new FloatRows(a, m, k);
        long mpad = EgemmaBinding.q8_0PaddedRows(m);
        if (mpad * k > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("activations: " + m + " x " + k + " too large");
        int qLen = (int) (mpad * k), dLen = (int) (mpad * (k / EgemmaBinding.QK8_0));
        Buffers buf = Buffers.of(reuse);
        byte[] q = buf.q(qLen);
        float[] d = buf.d(dLen);
        // the kernels read m_pad rows: the pad rows must be zero (the quantizer writes rows < m only)
        Arrays.fill(q, m * k, qLen, (byte) 0);
        Arrays.fill(d, m * (k / EgemmaBinding.QK8_0), dLen, 0f);
        MemorySegment as = MemorySegment.ofArray(a), qs = MemorySegment.ofArray(q), ds = MemorySegment.ofArray(d);
        float[] sa = Q8Expansion.hasMinTerm(w.type()) ? buf.s(m * (k / EgemmaBinding.QK8_0)) : null;
        MemorySegment sas = sa == null ? null : MemorySegment.ofArray(sa);
        rows.split(m, (r0, r1) -> {
            lib.q8_0Quantize(as, k, r0, r1, qs, ds);
            if (sas != null) lib.q8_1Sums(as, k, r0, r1, sas);
        });
        return new QuantizedRows(q, d, sa, m, k, buf);
    }

    /** Q8_K activations (libegemma's quantizer, bit-identical to the Java one), the arrays of {@code reuse} where large enough. */
    private KqRows prepareKq(float[] a, int m, int k, Activations reuse, RowSplitter rows) {
        if (k % EgemmaBinding.QK_K != 0) throw new IllegalArgumentException("activations: row length " + k + " is not a multiple of 256");
        Buffers buf = Buffers.of(reuse);
        byte[] q = buf.q(m * k);
        float[] d = buf.d(m * (k / EgemmaBinding.QK_K));
        short[] bs = buf.bs(m * (k / 16));
        MemorySegment as = MemorySegment.ofArray(a), qs = MemorySegment.ofArray(q), ds = MemorySegment.ofArray(d), bss = MemorySegment.ofArray(bs);
        rows.split(m, (r0, r1) -> lib.q8_kQuantize(as, k, r0, r1, qs, ds, bss));
        return new KqRows(q, d, bs, m, k, buf);
    }

    /** {@code egemma_kq_gemm}'s format of a super-block type. */
    static int kqFormat(GgmlType t) {
        boolean mins = KqUnpacking.hasMins(t);
        return KqUnpacking.sub(t) == 32 ? (mins ? EgemmaBinding.KQ_SUB32_MIN : EgemmaBinding.KQ_SUB32)
                : (mins ? EgemmaBinding.KQ_SUB16_MIN : EgemmaBinding.KQ_SUB16);
    }

    /**
     * Whether libegemma's Q8_0 GEMM computes products of {@code t}: Q8_0 itself, and the types whose weights are Q8_0
     * blocks once their quants are expanded (Q4_0, Q5_0, IQ4_NL, Q4_1, Q5_1: {@link Q8Expansion}): their activations
     * are Q8_0 (Q8_1: plus a sum per block) and their block-order product is Q8_0's (Q4_1, Q5_1: plus a min term).
     */
    static boolean q8Gemm(GgmlType t) {
        return t == GgmlType.Q8_0 || Q8Expansion.expands(t);
    }

    /** The float order of {@code w}'s products: the chosen one for Q8_0, the block order (their contract) for the expansions. */
    private int orderOf(WeightMatrix w) {
        return w.type() == GgmlType.Q8_0 ? q8Order.id() : Q8Order.BLOCK.id();
    }

    /** libegemma multiplies every weight type of the contract (F32, F16, BF16, the 32-wide quants, the K-quants, IQ4_XS). */
    private static boolean ownType(GgmlType t) {
        return q8Gemm(t) || KqUnpacking.isKq(t) || floatTypeId(t) >= 0;
    }

    @Override
    public java.util.Set<GgmlType> delegatedTypes(java.util.Set<GgmlType> types) {
        java.util.Set<GgmlType> d = java.util.EnumSet.noneOf(GgmlType.class);
        for (GgmlType t : types) if (!ownType(t)) d.add(t);
        return d;
    }

    /** The fallback kernels, which compute the products of {@link #delegatedTypes}. */
    public Kernels fallback() {
        Kernels k = fallback;
        if (k == null) {
            synchronized (this) {
                if ((k = fallback) == null) fallback = k = Objects.requireNonNull(fallbackSupplier.get(), "fallback");
            }
        }
        return k;
    }

    /** The fallback's rule for two types it computes (libegemma's own activations serve only their own type). */
    @Override
    public boolean sharesActivations(GgmlType prepared, GgmlType next) {
        // the Q8_0 GEMM's types share libegemma's Q8_0 activations (those with a min term need the sums too), the
        // super-block types its Q8_K ones; the fallback's types follow its own rule
        return prepared == next || q8Gemm(prepared) && q8Gemm(next) && (!Q8Expansion.hasMinTerm(next) || Q8Expansion.hasMinTerm(prepared))
                || KqUnpacking.isKq(prepared) && KqUnpacking.isKq(next)
                || !ownType(prepared) && !ownType(next) && fallback().sharesActivations(prepared, next);
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
        if (!q8Gemm(w.type()) && !KqUnpacking.isKq(w.type())) {
            if (a instanceof QuantizedRows || a instanceof KqRows)
                throw new IllegalArgumentException(w.name() + ": activations were prepared for other weights");
            fallback().matmul(a, w, n0, n1, out, ldOut);
            return;
        }
        matmulRows(a, 0, a.rows(), w, n0, n1, out, ldOut);
    }

    @Override
    public boolean splitsRows(WeightMatrix w) {
        return q8Gemm(w.type()) || KqUnpacking.isKq(w.type()); // libegemma biases the rows of every call: a row range halves that work per split
    }

    @Override
    public void matmulRows(Activations a, int m0, int m1, WeightMatrix w, int n0, int n1, float[] out, int ldOut) {
        boolean q8 = q8Gemm(w.type()), kq = KqUnpacking.isKq(w.type());
        if (!q8 && !kq) {
            Kernels.super.matmulRows(a, m0, m1, w, n0, n1, out, ldOut); // the fallback's types, or float weights
            return;
        }
        if (q8 && !(a instanceof QuantizedRows) || kq && !(a instanceof KqRows))
            throw new IllegalArgumentException(w.name() + ": activations were not prepared for " + w.type() + " weights by this backend");
        if (m0 < 0 || m0 > m1 || m1 > a.rows() || m0 % ROW_SPLIT != 0)
            throw new IndexOutOfBoundsException(w.name() + ": rows [" + m0 + ", " + m1 + ") of " + a.rows() + " (start a multiple of " + ROW_SPLIT + ")");
        checkTile(a, w, n0, n1, out, ldOut);
        if (m0 == m1 || n0 == n1) return;
        int k = a.cols();
        Packed p = packed(w);
        MemorySegment c = MemorySegment.ofArray(out).asSlice(4L * m0 * ldOut);
        if (a instanceof KqRows ka) {
            lib.kqGemm(kqFormat(w.type()), MemorySegment.ofArray(ka.q()).asSlice((long) m0 * k),
                    MemorySegment.ofArray(ka.d()).asSlice(4L * m0 * (k / EgemmaBinding.QK_K)), MemorySegment.ofArray(ka.bsums()).asSlice(2L * m0 * (k / 16)),
                    m1 - m0, k, p.data(), w.rows(), n0, n1, c, ldOut, gemmScratch(m1 - m0, k));
            return;
        }
        QuantizedRows qa = (QuantizedRows) a;
        int nb = k / EgemmaBinding.QK8_0;
        // m0 is a multiple of the row padding, so the slice still holds the padded rows the kernels may read
        lib.q8_0Gemm(MemorySegment.ofArray(qa.q()).asSlice((long) m0 * k), MemorySegment.ofArray(qa.d()).asSlice(4L * m0 * nb), m1 - m0, k,
                p.data(), w.rows(), n0, n1, c, ldOut, gemmScratch(m1 - m0, k), orderOf(w));
        if (p.mins() != null) {
            if (qa.sa() == null) throw new IllegalArgumentException(w.name() + ": activations were prepared without the Q8_1 sums " + w.type() + " needs");
            lib.addMinTerm(c, ldOut, m1 - m0, n0, n1, p.mins(), w.rows(), MemorySegment.ofArray(qa.sa()).asSlice(4L * m0 * nb), nb);
        }
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
        // egemma_attention computes the Java kernels' bits (llama.cpp's order); EgemmaBinding validates every index
        lib.attention(q, k, v, out, rowOff, tokens, nHead, nHeadKv, headDim, headDimV, head, 1, halfWindow, queryFrom, queryTo,
                attentionScratch(tokens, headDim, headDimV));
    }

    /** One downcall for the KV head's query heads: libegemma copies the K and V rows they see once for all of them. */
    @Override
    public void attentionKvGroup(float[] q, float[] k, float[] v, float[] out, int rowOff, int tokens, int nHead, int nHeadKv, int headDim,
                                 int headDimV, int kvHead, int halfWindow, int queryFrom, int queryTo) {
        lib.attention(q, k, v, out, rowOff, tokens, nHead, nHeadKv, headDim, headDimV, Kernels.firstQueryHead(nHead, nHeadKv, kvHead),
                nHead / nHeadKv, halfWindow, queryFrom, queryTo,
                attentionScratch(tokens, headDim, headDimV));
    }

    private float[] attentionScratch(int tokens, int headDim, int headDimV) {
        float[] scratch = attentionScratch.get();
        long need = lib.attentionScratchSize(Math.max(tokens, 0), headDim, headDimV);
        if (scratch.length < need) attentionScratch.set(scratch = new float[Math.toIntExact(need)]);
        return scratch;
    }

    private static void checkTile(Activations qa, WeightMatrix w, int n0, int n1, float[] out, int ldOut) {
        if (qa.cols() != w.cols()) throw new IllegalArgumentException(w.name() + ": activations have " + qa.cols() + " columns, weights " + w.cols());
        if (n0 < 0 || n1 > w.rows() || n0 > n1) throw new IndexOutOfBoundsException(w.name() + ": rows [" + n0 + ", " + n1 + ") of " + w.rows());
        if (ldOut < n1 || (qa.rows() > 0 && (long) (qa.rows() - 1) * ldOut + n1 > out.length))
            throw new IndexOutOfBoundsException(w.name() + ": output of " + out.length + " floats too small for " + qa.rows() + " rows of stride " + ldOut);
    }

    /**
     * ggml's fp16 GELU table, built once per kernel set from the Java kernels' {@code geluMul} (with {@code up = 1}
     * every in-range entry is the table value itself), so that the two backends use the same table. The scalar
     * kernels' (every Java kernel set computes GELU from the same table), so the Vector API is not started for it.
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
                    new dev.egemma.kernels.java.ScalarKernels(q8Order).geluMul(x, ones, x.length);
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

    /** The packed copy of {@code w}, made (or read from the pack cache) on first use. */
    Packed packed(WeightMatrix w) {
        Packed p = packed.get(w); // every tile of every product asks: a plain read, no lambda
        if (p != null) return p;
        p = packed.computeIfAbsent(w, this::pack);
        storeWhenComplete();
        return p;
    }

    /**
     * Once every product of the model is packed, writes what the pack cache lacks for the next process (once, in the
     * calling thread: a short-lived CLI run must not exit before a background writer is done).
     */
    private void storeWhenComplete() {
        PackCache c = cache;
        if (c != null && packed.size() >= cacheProducts && storing.compareAndSet(false, true) && c.needsStore()) {
            Map<String, PackCache.Stored> byName = new HashMap<>();
            packed.forEach((m, q) -> byName.put(m.name(), new PackCache.Stored(q, PackCache.sourceSample(m.data()))));
            c.store(byName);
        }
    }

    /**
     * Keeps this model's packed matrices in {@code cache}: each is read from it when it holds a valid copy, and once
     * all {@code products} are packed, any that were not are written to it. Call before the first product.
     */
    public void usePackCache(java.nio.file.Path model, java.util.List<WeightMatrix> products) {
        java.util.List<WeightMatrix> packable = new java.util.ArrayList<>(products.size());
        for (WeightMatrix w : products) if (q8Gemm(w.type()) || KqUnpacking.isKq(w.type())) packable.add(w);
        if (packable.isEmpty() || libraryFile == null) return; // float weights are used as they are; no library file, no key
        String layout = packLayout();
        if (layout == null) return;
        cacheProducts = packable.size();
        cache = PackCache.open(model, layout);
        if (cache != null && cache.loaded()) {
            Thread t = new Thread(new CacheReader(packable), "egemma-pack-cache");
            t.setDaemon(true);
            cacheReader = t;
            t.start();
        }
    }

    private volatile Thread cacheReader;
    private volatile boolean stopReading;

    /**
     * Stops the thread that reads cached packs ahead ({@link #usePackCache}) and waits for it: it reads the model file's
     * mapping, which the caller is about to close (a shared arena refuses to close while a read holds it).
     */
    public void stopCacheReader() {
        Thread t = cacheReader;
        if (t == null) return;
        stopReading = true;
        dev.egemma.model.WorkerPool.joinUninterruptibly(t);
    }

    /**
     * Checks the cached packs (CRC32C of 112 MB for the Q8_0 model, and their first page faults: ~25-30 ms of a cold
     * start's first forward pass) ahead of the first forward pass, in the order it uses them, on a thread of its own:
     * the forward pass then finds them checked, or waits for the one being checked ({@link ConcurrentHashMap#computeIfAbsent}
     * runs each once). A matrix the cache cannot give is left to the forward pass, which packs it. A class, not a
     * lambda: the first lambda of a cold JVM costs ~11 ms.
     */
    private final class CacheReader implements Runnable {
        private final java.util.List<WeightMatrix> packable;

        CacheReader(java.util.List<WeightMatrix> packable) {
            this.packable = packable;
        }

        @Override
        public void run() {
            try {
                for (WeightMatrix w : packable) {
                    if (stopReading) return;
                    if (!packed.containsKey(w)) packed.computeIfAbsent(w, NativeKernels.this::cachedPack);
                }
                storeWhenComplete();
            } catch (RuntimeException e) {
                // the model was closed meanwhile, or a read failed: the forward pass packs what it needs itself
            }
        }
    }

    /**
     * What decides the packed bytes: libegemma's pack code, named by its version, ABI and the library file itself (a
     * development build changes its code without changing its version). Not the tier or the Q8_0 order: every tier
     * reads the one layout {@code egemma_q8_0_pack} / {@code egemma_kq_pack} write. Null when the file cannot be read.
     */
    private String packLayout() {
        try {
            var a = java.nio.file.Files.readAttributes(libraryFile, java.nio.file.attribute.BasicFileAttributes.class);
            return "libegemma " + lib.version() + " abi " + lib.abiVersion() + " file " + libraryFile.toAbsolutePath() + " size " + a.size()
                    + " mtime " + a.lastModifiedTime().toInstant();
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /**
     * Readies what the first forward pass would otherwise make on its way: the GELU table (65,536 tanh, ~16 ms in a
     * cold JVM; libegemma's one entry point was linked when the library was bound). For a helper thread while the
     * model is read; failures are left for the first real call.
     */
    public void prepareForwardPass() {
        try {
            geluTable();
        } catch (RuntimeException | Error e) {
            // a function that cannot be linked fails again, with its own message, where it is first called
        }
    }

    /** Matrices packed by this kernel set so far, and how many of them came from the pack cache (for tests and logs). */
    public record PackCounts(int packed, int fromCache) {}

    public PackCounts packCounts() {
        return new PackCounts(packed.size(), fromCache.get());
    }

    /** Rows unpacked per call of the super-block packer: bounds the transient arrays (~1.1 bytes per weight of them). */
    private static final int KQ_PACK_ROWS = 64;

    private Packed pack(WeightMatrix w) {
        Packed cached = cachedPack(w);
        if (cached != null) return cached;
        Packed p = packFrom(w);
        releasePages(w);
        return counted(p);
    }

    /** {@code w}'s packed copy from the pack cache when it holds a valid one, else null. */
    private Packed cachedPack(WeightMatrix w) {
        PackCache c = cache;
        if (c == null) return null;
        Packed cached = c.lookup(w.name(), packSize(w), minsBytes(w), PackCache.sourceSample(w.data()));
        if (cached == null) return null;
        fromCache.incrementAndGet();
        releasePages(w); // the samples just read, with the pages the kernel mapped around them
        return counted(cached);
    }

    /**
     * The products read the packed copy only: the file pages read while packing (or sampled to check a cached pack,
     * each fault mapping up to 64 KiB around it) would otherwise stay mapped beside it (~0.3-0.8 bytes a weight of peak
     * RSS when packed). Unloading drops them from this process (MADV_DONTNEED on Linux); a later read of the tensor
     * (another backend on the same file) faults them back in from the page cache.
     */
    private static void releasePages(WeightMatrix w) {
        if (w.data().isMapped()) w.data().unload();
    }

    /** {@code p}, its bytes added to {@link #packedBytes()}. */
    private Packed counted(Packed p) {
        packedBytes.addAndGet(p.data().byteSize() + (p.mins() == null ? 0 : p.mins().byteSize()));
        return p;
    }

    /** The bytes of {@code w}'s packed copy (what {@link #packFrom} allocates, what a pack cache entry must hold). */
    private long packSize(WeightMatrix w) {
        return KqUnpacking.isKq(w.type()) ? lib.kqPackSize(kqFormat(w.type()), w.rows(), w.cols()) : lib.q8_0PackSize(w.rows(), w.cols());
    }

    /** The bytes of {@code w}'s min terms (Q4_1, Q5_1), else 0. */
    private static long minsBytes(WeightMatrix w) {
        return !KqUnpacking.isKq(w.type()) && Q8Expansion.hasMinTerm(w.type()) ? 4L * w.rows() * (w.cols() / EgemmaBinding.QK8_0) : 0;
    }

    private Packed packFrom(WeightMatrix w) {
        // automatic arena: the packed copy lives as long as this kernel set references it
        if (KqUnpacking.isKq(w.type())) {
            int format = kqFormat(w.type());
            MemorySegment dst = Arena.ofAuto().allocate(packSize(w), EgemmaBinding.Q8_0_PACK_ALIGN);
            KqUnpacking.Rows rows = new KqUnpacking.Rows(Math.min(KQ_PACK_ROWS, w.rows()), w.cols(), KqUnpacking.sub(w.type()));
            for (int r0 = 0; r0 < w.rows(); r0 += KQ_PACK_ROWS) {
                int r1 = Math.min(w.rows(), r0 + KQ_PACK_ROWS);
                KqUnpacking.unpack(w, r0, r1, rows);
                lib.kqPack(format, MemorySegment.ofArray(rows.q), MemorySegment.ofArray(rows.sc), MemorySegment.ofArray(rows.mn),
                        MemorySegment.ofArray(rows.d), MemorySegment.ofArray(rows.dmin), r0, r1 - r0, w.rows(), w.cols(), dst);
            }
            return new Packed(dst, null);
        }
        MemorySegment dst = Arena.ofAuto().allocate(packSize(w), EgemmaBinding.Q8_0_PACK_ALIGN);
        MemorySegment mins = null;
        if (w.type() == GgmlType.Q8_0) {
            lib.q8_0Pack(w.data(), w.rows(), w.cols(), 0, w.rows(), dst);
        } else {
            // expanded to Q8_0 rows in a transient buffer, then packed as Q8_0 weights are
            int n = w.rows(), nb = w.cols() / EgemmaBinding.QK8_0;
            float[] rowMajor = Q8Expansion.hasMinTerm(w.type()) ? new float[Math.multiplyExact(n, nb)] : null;
            try (Arena tmp = Arena.ofConfined()) {
                MemorySegment q8 = tmp.allocate(Q8Expansion.expandedBytes(w), 8);
                Q8Expansion.expand(w, 0, w.rows(), q8, rowMajor); // the mins from the same unpacking
                lib.q8_0Pack(q8, w.rows(), w.cols(), 0, w.rows(), dst);
            }
            if (rowMajor != null) {
                // block-major (egemma_add_min_term's layout: the columns of one block side by side)
                mins = Arena.ofAuto().allocate(minsBytes(w), 64);
                for (int b = 0; b < nb; b++)
                    for (int j = 0; j < n; j++) mins.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, (long) b * n + j, rowMajor[j * nb + b]);
            }
        }
        return new Packed(dst, mins);
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
