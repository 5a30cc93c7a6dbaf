// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Hand-written FFM binding of {@code include/egemma.h}: one {@link FunctionDescriptor} constant per C function, named
 * after it, and one Java method per function. {@code EgemmaBindingHeaderTest} parses the header and checks that
 * {@link #DESCRIPTORS} and the {@code EGEMMA_FN_*} numbers match it, so the two cannot drift apart.
 *
 * <p>Only two functions are linked: {@code egemma_call}, the one entry point through which every method but
 * {@link #q8_0Dot} reaches its function (a JVM generates a class per linked signature, ~5 ms each in a cold JVM), and
 * {@code egemma_q8_0_dot}, which returns a float. Both are bound with {@link Linker.Option#critical(boolean)
 * critical(true)}: no thread-state transition (every function is short, never blocks and never calls back) and heap
 * segments may be passed directly. The public methods check every size and offset in Java first, so a bad argument is
 * an exception here, never a read past a buffer in C.
 */
public final class EgemmaBinding {

    /** {@code EGEMMA_ABI_VERSION} this binding was written for; a library reporting another is refused. */
    public static final int ABI_VERSION = 9;

    /** {@code EGEMMA_QK8_0}: quants per Q8_0 block. */
    public static final int QK8_0 = 32;
    /** {@code EGEMMA_Q8_0_BLOCK_BYTES}: fp16 scale + 32 int8. */
    public static final int Q8_0_BLOCK_BYTES = 34;
    /** {@code EGEMMA_Q8_0_ORDER_X86}: {@code egemma_q8_0_gemm} in llama.cpp's x86 lane order ({@link dev.egemma.Q8Order#X86}). */
    public static final int Q8_0_ORDER_X86 = 0;
    /** {@code EGEMMA_Q8_0_ORDER_BLOCK}: {@code egemma_q8_0_gemm} with one accumulator per output ({@link dev.egemma.Q8Order#BLOCK}). */
    public static final int Q8_0_ORDER_BLOCK = 1;
    /** {@code EGEMMA_Q8_0_PACK_COLS}: output columns per packed record. */
    public static final int Q8_0_PACK_COLS = 16;
    /** {@code EGEMMA_Q8_0_PACK_RECORD_BYTES}: bytes of one packed record (16 columns x one 32-block). */
    public static final int Q8_0_PACK_RECORD_BYTES = 512;
    /** {@code EGEMMA_Q8_0_PACK_SCALE_BYTES}: bytes of one record's 16 fp16 scales (kept after the group's records). */
    public static final int Q8_0_PACK_SCALE_BYTES = 32;
    /** {@code EGEMMA_Q8_0_PACK_ALIGN}: alignment of the packed buffer. */
    public static final int Q8_0_PACK_ALIGN = 64;
    /** {@code EGEMMA_Q8_0_ROW_PAD}: quantized activations hold their rows rounded up to this (pad rows zero). */
    public static final int Q8_0_ROW_PAD = 32;
    /** {@code EGEMMA_TYPE_F32}, {@code _F16}, {@code _BF16}: weight types of {@code egemma_float_gemm} (ggml's type ids). */
    public static final int TYPE_F32 = 0, TYPE_F16 = 1, TYPE_BF16 = 30;
    /** {@code EGEMMA_QK_K}: elements per super-block of the K-quants (and of Q8_K activations). */
    public static final int QK_K = 256;
    /** {@code EGEMMA_KQ_*}: the super-block GEMM's formats (sub-blocks of 16 or 32 elements, with or without mins). */
    public static final int KQ_SUB16 = 0, KQ_SUB16_MIN = 1, KQ_SUB32 = 2, KQ_SUB32_MIN = 3;
    /** {@code EGEMMA_GELU_TABLE_SIZE}: floats of the GELU table, one per fp16 bit pattern. */
    public static final int GELU_TABLE_SIZE = 65536;

    public static final FunctionDescriptor egemma_version$DESC = FunctionDescriptor.of(ADDRESS);
    public static final FunctionDescriptor egemma_abi_version$DESC = FunctionDescriptor.of(JAVA_INT);
    public static final FunctionDescriptor egemma_cpu_features$DESC = FunctionDescriptor.of(JAVA_INT);
    public static final FunctionDescriptor egemma_caps$DESC = FunctionDescriptor.of(JAVA_INT);
    public static final FunctionDescriptor egemma_active_isa$DESC = FunctionDescriptor.of(JAVA_INT);
    public static final FunctionDescriptor egemma_set_isa_limit$DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
    public static final FunctionDescriptor egemma_isa_name$DESC = FunctionDescriptor.of(ADDRESS, JAVA_INT);
    public static final FunctionDescriptor egemma_q8_0_dot$DESC = FunctionDescriptor.of(JAVA_FLOAT, ADDRESS, ADDRESS, JAVA_LONG);
    public static final FunctionDescriptor egemma_q8_0_pack_size$DESC = FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG);
    public static final FunctionDescriptor egemma_q8_0_pack$DESC =
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS);
    public static final FunctionDescriptor egemma_q8_0_quantize$DESC =
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS);
    public static final FunctionDescriptor egemma_rms_norm$DESC =
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_FLOAT);
    public static final FunctionDescriptor egemma_gelu_mul$DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS);
    public static final FunctionDescriptor egemma_attention$DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS,
            ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS);
    public static final FunctionDescriptor egemma_attention_scratch_size$DESC = FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
    public static final FunctionDescriptor egemma_rope_neox$DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG,
            JAVA_LONG, ADDRESS, ADDRESS, JAVA_FLOAT);
    public static final FunctionDescriptor egemma_mean_pool$DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS);
    public static final FunctionDescriptor egemma_l2_normalize$DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG);
    public static final FunctionDescriptor egemma_q8_0_gemm_scratch_size$DESC = FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG);
    public static final FunctionDescriptor egemma_q8_0_gemm$DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG,
            JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT);
    public static final FunctionDescriptor egemma_q8_1_sums$DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS);
    public static final FunctionDescriptor egemma_add_min_term$DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG,
            JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG);
    public static final FunctionDescriptor egemma_kq_pack_size$DESC = FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG);
    public static final FunctionDescriptor egemma_kq_pack$DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
            ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS);
    public static final FunctionDescriptor egemma_q8_k_quantize$DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG,
            ADDRESS, ADDRESS, ADDRESS);
    public static final FunctionDescriptor egemma_kq_gemm$DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG,
            JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG);
    public static final FunctionDescriptor egemma_float_gemm$DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG,
            ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG);

    public static final FunctionDescriptor egemma_call$DESC = FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
            ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
            JAVA_LONG, JAVA_FLOAT);

    /** Every C function of the header and its descriptor, in header order (only egemma_call and egemma_q8_0_dot are linked). */
    public static final Map<String, FunctionDescriptor> DESCRIPTORS;
    /** The functions linked ({@code critical(true)}). */
    public static final Set<String> KERNELS = Set.of("egemma_q8_0_dot", "egemma_call");

    static {
        Map<String, FunctionDescriptor> m = new LinkedHashMap<>();
        m.put("egemma_version", egemma_version$DESC);
        m.put("egemma_abi_version", egemma_abi_version$DESC);
        m.put("egemma_cpu_features", egemma_cpu_features$DESC);
        m.put("egemma_caps", egemma_caps$DESC);
        m.put("egemma_active_isa", egemma_active_isa$DESC);
        m.put("egemma_set_isa_limit", egemma_set_isa_limit$DESC);
        m.put("egemma_isa_name", egemma_isa_name$DESC);
        m.put("egemma_q8_0_dot", egemma_q8_0_dot$DESC);
        m.put("egemma_q8_0_pack_size", egemma_q8_0_pack_size$DESC);
        m.put("egemma_q8_0_pack", egemma_q8_0_pack$DESC);
        m.put("egemma_q8_0_quantize", egemma_q8_0_quantize$DESC);
        m.put("egemma_q8_0_gemm_scratch_size", egemma_q8_0_gemm_scratch_size$DESC);
        m.put("egemma_q8_0_gemm", egemma_q8_0_gemm$DESC);
        m.put("egemma_q8_1_sums", egemma_q8_1_sums$DESC);
        m.put("egemma_add_min_term", egemma_add_min_term$DESC);
        m.put("egemma_kq_pack_size", egemma_kq_pack_size$DESC);
        m.put("egemma_kq_pack", egemma_kq_pack$DESC);
        m.put("egemma_q8_k_quantize", egemma_q8_k_quantize$DESC);
        m.put("egemma_kq_gemm", egemma_kq_gemm$DESC);
        m.put("egemma_float_gemm", egemma_float_gemm$DESC);
        m.put("egemma_rms_norm", egemma_rms_norm$DESC);
        m.put("egemma_gelu_mul", egemma_gelu_mul$DESC);
        m.put("egemma_attention", egemma_attention$DESC);
        m.put("egemma_attention_scratch_size", egemma_attention_scratch_size$DESC);
        m.put("egemma_rope_neox", egemma_rope_neox$DESC);
        m.put("egemma_mean_pool", egemma_mean_pool$DESC);
        m.put("egemma_l2_normalize", egemma_l2_normalize$DESC);
        m.put("egemma_call", egemma_call$DESC);
        DESCRIPTORS = Collections.unmodifiableMap(m);
    }

    /** {@code EGEMMA_FN_*}: which function {@code egemma_call} calls (EgemmaBindingHeaderTest checks them against the header). */
    static final int FN_VERSION = 0;
    static final int FN_ABI_VERSION = 1;
    static final int FN_CPU_FEATURES = 2;
    static final int FN_CAPS = 3;
    static final int FN_ACTIVE_ISA = 4;
    static final int FN_SET_ISA_LIMIT = 5;
    static final int FN_ISA_NAME = 6;
    static final int FN_Q8_0_PACK_SIZE = 7;
    static final int FN_Q8_0_PACK = 8;
    static final int FN_Q8_0_QUANTIZE = 9;
    static final int FN_Q8_0_GEMM_SCRATCH_SIZE = 10;
    static final int FN_Q8_0_GEMM = 11;
    static final int FN_Q8_1_SUMS = 12;
    static final int FN_ADD_MIN_TERM = 13;
    static final int FN_KQ_PACK_SIZE = 14;
    static final int FN_KQ_PACK = 15;
    static final int FN_Q8_K_QUANTIZE = 16;
    static final int FN_KQ_GEMM = 17;
    static final int FN_FLOAT_GEMM = 18;
    static final int FN_RMS_NORM = 19;
    static final int FN_GELU_MUL = 20;
    static final int FN_ATTENTION_SCRATCH_SIZE = 21;
    static final int FN_ATTENTION = 22;
    static final int FN_ROPE_NEOX = 23;
    static final int FN_MEAN_POOL = 24;
    static final int FN_L2_NORMALIZE = 25;

    private static final MemorySegment NULL = MemorySegment.NULL;

    /** Every function but {@code egemma_q8_0_dot}, through {@code egemma_call}: one signature, one generated class. */
    private final Downcall egemma_call;
    private final Downcall egemma_q8_0_dot;

    private EgemmaBinding(SymbolLookup lookup) {
        egemma_call = new Downcall(lookup, "egemma_call");
        egemma_q8_0_dot = new Downcall(lookup, "egemma_q8_0_dot");
    }

    /**
     * Binds every function of the header in {@code lookup} and checks the library's ABI version.
     *
     * @throws IllegalStateException naming the missing symbol or the ABI mismatch
     */
    public static EgemmaBinding bind(SymbolLookup lookup) {
        Objects.requireNonNull(lookup, "lookup");
        EgemmaBinding b = new EgemmaBinding(lookup);
        int abi = b.abiVersion();
        if (abi != ABI_VERSION) {
            throw new IllegalStateException("libegemma ABI version " + abi + " (library " + b.version()
                    + ") but this egemma needs ABI " + ABI_VERSION + "; use the egemma-native JAR of the same version");
        }
        return b;
    }

    /**
     * One function of the library, linked on first use. Linking a downcall handle generates a class for its signature
     * (4-6 ms each in a cold JVM, ~55 ms for the first, which starts the linker): the reason everything goes through
     * {@code egemma_call}. The symbol itself is looked up at once, so a library that lacks one is refused when it is loaded.
     */
    private static final class Downcall {
        private final MemorySegment symbol;
        private final String name;
        private volatile MethodHandle handle;

        Downcall(SymbolLookup lookup, String name) {
            this.name = name;
            this.symbol = lookup.find(name).orElseThrow(
                    () -> new IllegalStateException("libegemma has no symbol " + name + " (a library of another version?)"));
        }

        MethodHandle handle() {
            MethodHandle h = handle;
            if (h == null) {
                synchronized (this) {
                    h = handle;
                    if (h == null) handle = h = link(symbol, name);
                }
            }
            return h;
        }
    }

    private static MethodHandle link(MemorySegment symbol, String name) {
        FunctionDescriptor desc = DESCRIPTORS.get(name);
        return KERNELS.contains(name)
                ? Linker.nativeLinker().downcallHandle(symbol, desc, Linker.Option.critical(true))
                : Linker.nativeLinker().downcallHandle(symbol, desc);
    }

    /**
     * {@code egemma_call(fn, p0..p5, i0..i10, f0)}: function {@code fn} with its pointer arguments from {@code p0} on,
     * its integer ones from {@code i0} on and its float one in {@code f0}, each in the order the C function declares
     * them (include/egemma.h); the rest are NULL and 0. Linked {@code critical(true)}: every function it reaches is
     * short and never blocks or calls back, and the kernels take heap segments directly.
     */
    private long call(int fn, MemorySegment p0, MemorySegment p1, MemorySegment p2, MemorySegment p3, MemorySegment p4, MemorySegment p5,
                      long i0, long i1, long i2, long i3, long i4, long i5, long i6, long i7, long i8, long i9, long i10, float f0) {
        try {
            return (long) egemma_call.handle().invokeExact(fn, p0, p1, p2, p3, p4, p5, i0, i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, f0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- information and tier control ------------------------------------------------------------------

    /** {@code egemma_version()}: the library's version string. */
    public String version() {
        return cString(MemorySegment.ofAddress(call(FN_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0f)));
    }

    /** {@code egemma_abi_version()}. */
    public int abiVersion() {
        return (int) call(FN_ABI_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0f);
    }

    /** {@code egemma_cpu_features()}: raw features the CPU and OS support. */
    public Set<CpuFeature> cpuFeatures() {
        return CpuFeature.fromMask((int) call(FN_CPU_FEATURES, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0f));
    }

    /** {@code egemma_caps()}: tiers compiled in and supported by this CPU. */
    public Set<Isa> caps() {
        return Isa.fromCaps((int) call(FN_CAPS, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0f));
    }

    /** {@code egemma_active_isa()}: the tier kernels dispatch to now. */
    public Isa activeIsa() {
        return Isa.byId((int) call(FN_ACTIVE_ISA, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0f));
    }

    /**
     * {@code egemma_set_isa_limit()}: caps the tier (process-wide; not while kernels run) and returns the tier now
     * active, the best usable one not above {@code limit}.
     *
     * @throws IllegalArgumentException if {@code limit} belongs to the other architecture
     */
    public Isa setIsaLimit(Isa limit) {
        int r = (int) call(FN_SET_ISA_LIMIT, NULL, NULL, NULL, NULL, NULL, NULL, limit.id(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0f);
        if (r < 0) {
            throw new IllegalArgumentException("libegemma refused tier limit " + limit.cName() + " (error " + r
                    + "); usable tiers here: " + caps());
        }
        return Isa.byId(r);
    }

    /** {@code egemma_isa_name()}. */
    public String isaName(int isa) {
        return cString(MemorySegment.ofAddress(call(FN_ISA_NAME, NULL, NULL, NULL, NULL, NULL, NULL, isa, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0f)));
    }

    // ---- kernels ------------------------------------------------------------------------------------------

    /**
     * Q8_0 dot product of {@code nBlocks} blocks of {@code a} starting at byte {@code aOffset} and of {@code b} at
     * {@code bOffset} (ggml layout, {@value #Q8_0_BLOCK_BYTES} bytes a block). Segments may be native or heap.
     *
     * @throws IndexOutOfBoundsException if either operand does not hold {@code nBlocks} blocks from its offset
     */
    public float q8_0Dot(MemorySegment a, long aOffset, MemorySegment b, long bOffset, long nBlocks) {
        long bytes = q8_0Bytes("Q8_0 dot", nBlocks);
        checkRange("Q8_0 dot operand a", a, aOffset, bytes);
        checkRange("Q8_0 dot operand b", b, bOffset, bytes);
        if (nBlocks == 0) return 0f;
        try {
            return (float) egemma_q8_0_dot.handle().invokeExact(a.asSlice(aOffset, bytes), b.asSlice(bOffset, bytes), nBlocks);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code egemma_q8_0_pack_size}: bytes of the packed form of {@code n} weight rows of {@code k} inputs.
     *
     * @throws IllegalArgumentException for a non-positive {@code n}, or {@code k} not a positive multiple of 32
     */
    public long q8_0PackSize(long n, long k) {
        checkShape("Q8_0 pack", n, k);
        long r = (long) call(FN_Q8_0_PACK_SIZE, NULL, NULL, NULL, NULL, NULL, NULL, n, k, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0f);
        if (r < 0) throw new IllegalArgumentException("Q8_0 pack: libegemma refused shape " + n + " x " + k + " (error " + r + ")");
        return r;
    }

    /**
     * {@code egemma_q8_0_pack}: repacks rows {@code [j0, j1)} of {@code n} ggml Q8_0 rows of {@code k} weights in
     * {@code w} into {@code dst} ({@link #q8_0PackSize} bytes, {@value #Q8_0_PACK_ALIGN}-byte aligned, native).
     * {@code j0} must be a multiple of {@value #Q8_0_PACK_COLS}, {@code j1} one too or {@code n}.
     */
    public void q8_0Pack(MemorySegment w, long n, long k, long j0, long j1, MemorySegment dst) {
        long size = q8_0PackSize(n, k);
        checkRange("Q8_0 pack weights", w, 0, Math.multiplyExact(q8_0Bytes("Q8_0 pack", k / QK8_0), n));
        checkRange("Q8_0 pack destination", dst, 0, size);
        if (!dst.isNative() || dst.address() % Q8_0_PACK_ALIGN != 0)
            throw new IllegalArgumentException("Q8_0 pack destination must be native memory aligned to " + Q8_0_PACK_ALIGN + " bytes");
        if (j0 < 0 || j0 > j1 || j1 > n || j0 % Q8_0_PACK_COLS != 0 || (j1 != n && j1 % Q8_0_PACK_COLS != 0))
            throw new IllegalArgumentException("Q8_0 pack: rows [" + j0 + ", " + j1 + ") of " + n + " do not start and end on a "
                    + Q8_0_PACK_COLS + "-row group (or at the end)");
        int r = (int) call(FN_Q8_0_PACK, w, dst, NULL, NULL, NULL, NULL, n, k, j0, j1, 0, 0, 0, 0, 0, 0, 0, 0f);
        if (r != 0) throw new IllegalStateException("egemma_q8_0_pack failed with " + r + " after Java-side checks passed");
    }

    /** Rows of quantized activations held for {@code m} real rows: {@code m} rounded up to {@value #Q8_0_ROW_PAD}. */
    public static long q8_0PaddedRows(long m) {
        if (m < 0) throw new IllegalArgumentException("negative row count " + m);
        return Math.multiplyExact(Math.ceilDiv(m, (long) Q8_0_ROW_PAD), (long) Q8_0_ROW_PAD);
    }

    /**
     * {@code egemma_q8_0_quantize}: quantizes rows {@code [i0, i1)} of {@code x} (rows of {@code k} floats) into
     * {@code qa} (int8, {@code k} per row) and {@code da} (one float per 32-block), ggml's x86 quantize_row_q8_0.
     */
    public void q8_0Quantize(MemorySegment x, long k, long i0, long i1, MemorySegment qa, MemorySegment da) {
        checkShape("Q8_0 quantize", Math.max(i1, 1), k);
        if (i0 < 0 || i0 > i1) throw new IllegalArgumentException("Q8_0 quantize: bad row range [" + i0 + ", " + i1 + ")");
        checkRange("Q8_0 quantize input", x, 0, Math.multiplyExact(Math.multiplyExact(i1, k), 4L));
        checkRange("Q8_0 quantize quants", qa, 0, Math.multiplyExact(i1, k));
        checkRange("Q8_0 quantize scales", da, 0, Math.multiplyExact(Math.multiplyExact(i1, k / QK8_0), 4L));
        if (i0 == i1) return;
        int r = (int) call(FN_Q8_0_QUANTIZE, x, qa, da, NULL, NULL, NULL, k, i0, i1, 0, 0, 0, 0, 0, 0, 0, 0, 0f);
        if (r != 0) throw new IllegalStateException("egemma_q8_0_quantize failed with " + r + " after Java-side checks passed");
    }

    /** {@code egemma_q8_0_gemm_scratch_size}: bytes of working memory a GEMM call on {@code m} rows of {@code k} needs. */
    public long q8_0GemmScratchSize(long m, long k) {
        checkShape("Q8_0 GEMM", 1, k);
        if (m < 0) throw new IllegalArgumentException("Q8_0 GEMM: negative row count " + m);
        long r = (long) call(FN_Q8_0_GEMM_SCRATCH_SIZE, NULL, NULL, NULL, NULL, NULL, NULL, m, k, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0f);
        if (r < 0) throw new IllegalArgumentException("Q8_0 GEMM: libegemma refused shape " + m + " x " + k + " (error " + r + ")");
        return r;
    }

    /**
     * {@code egemma_q8_0_gemm}: {@code c[i*ldc + j]} for rows {@code i < m} and columns {@code n0 <= j < n1} from
     * quantized activations ({@code qa}, {@code da}: {@link #q8_0PaddedRows}(m) rows, pad rows zero) and packed
     * weights of {@code n} columns. {@code c} holds floats (heap or native). {@code scratch}: at least
     * {@link #q8_0GemmScratchSize}(m, k) bytes that no other call uses meanwhile (one per thread). {@code order}:
     * {@link #Q8_0_ORDER_X86} or {@link #Q8_0_ORDER_BLOCK} ({@link dev.egemma.Q8Order#id()}), the float order of the sums.
     */
    public void q8_0Gemm(MemorySegment qa, MemorySegment da, long m, long k, MemorySegment packed, long n, long n0, long n1,
                         MemorySegment c, long ldc, MemorySegment scratch, int order) {
        // first, so that a bad order is refused before any downcall (the size checks below call into libegemma)
        if (order != Q8_0_ORDER_X86 && order != Q8_0_ORDER_BLOCK)
            throw new IllegalArgumentException("Q8_0 GEMM: order " + order + " is neither Q8_0_ORDER_X86 (" + Q8_0_ORDER_X86
                    + ") nor Q8_0_ORDER_BLOCK (" + Q8_0_ORDER_BLOCK + ")");
        checkShape("Q8_0 GEMM", n, k);
        if (m < 0) throw new IllegalArgumentException("Q8_0 GEMM: negative row count " + m);
        long mpad = q8_0PaddedRows(m);
        checkRange("Q8_0 GEMM quants", qa, 0, Math.multiplyExact(mpad, k));
        checkRange("Q8_0 GEMM scales", da, 0, Math.multiplyExact(Math.multiplyExact(mpad, k / QK8_0), 4L));
        checkRange("Q8_0 GEMM packed weights", packed, 0, q8_0PackSize(n, k));
        if (!packed.isNative() || packed.address() % Q8_0_PACK_ALIGN != 0)
            throw new IllegalArgumentException("Q8_0 GEMM: packed weights must be native memory aligned to " + Q8_0_PACK_ALIGN + " bytes");
        if (n0 < 0 || n0 > n1 || n1 > n) throw new IndexOutOfBoundsException("Q8_0 GEMM: columns [" + n0 + ", " + n1 + ") of " + n);
        if (ldc < n1) throw new IllegalArgumentException("Q8_0 GEMM: row stride " + ldc + " < " + n1);
        if (m == 0 || n0 == n1) return;
        checkRange("Q8_0 GEMM output", c, 0, Math.multiplyExact(Math.addExact(Math.multiplyExact(m - 1, ldc), n1), 4L));
        long scratchBytes = q8_0GemmScratchSize(m, k);
        checkRange("Q8_0 GEMM scratch", scratch, 0, scratchBytes);
        int r = (int) call(FN_Q8_0_GEMM, qa, da, packed, c, scratch, NULL, m, k, n, n0, n1, ldc, scratch.byteSize(), order, 0, 0, 0, 0f);
        if (r != 0) throw new IllegalStateException("egemma_q8_0_gemm failed with " + r + " after Java-side checks passed");
    }

    // ---- Q4_1 / Q5_1 min term --------------------------------------------------------------------------------

    /**
     * {@code egemma_q8_1_sums}: the Q8_1 sum {@code s} of every 32-block of rows {@code [i0, i1)} of {@code x} (rows of
     * {@code k} floats) into {@code sa} (one float per block, row-major over all rows).
     */
    public void q8_1Sums(MemorySegment x, long k, long i0, long i1, MemorySegment sa) {
        checkShape("Q8_1 sums", Math.max(i1, 1), k);
        if (i0 < 0 || i0 > i1) throw new IllegalArgumentException("Q8_1 sums: bad row range [" + i0 + ", " + i1 + ")");
        checkRange("Q8_1 sums input", x, 0, Math.multiplyExact(Math.multiplyExact(i1, k), 4L));
        checkRange("Q8_1 sums output", sa, 0, Math.multiplyExact(Math.multiplyExact(i1, k / QK8_0), 4L));
        if (i0 == i1) return;
        int r = (int) call(FN_Q8_1_SUMS, x, sa, NULL, NULL, NULL, NULL, k, i0, i1, 0, 0, 0, 0, 0, 0, 0, 0, 0f);
        if (r != 0) throw new IllegalStateException("egemma_q8_1_sums failed with " + r + " after Java-side checks passed");
    }

    /**
     * {@code egemma_add_min_term}: adds {@code sum_b fma(mw[b*ldm + j], sa[i*nb + b])} (one fused chain from 0) to
     * {@code c[i*ldc + j]} for {@code i < m}, {@code n0 <= j < n1}.
     */
    public void addMinTerm(MemorySegment c, long ldc, long m, long n0, long n1, MemorySegment mw, long ldm, MemorySegment sa, long nb) {
        if (m < 0 || m > 1L << 31 || n0 < 0 || n0 > n1 || n1 > 1L << 31 || ldc < n1 || ldm < n1 || nb <= 0 || nb > 1L << 27)
            throw new IllegalArgumentException("min term: bad shape m " + m + ", columns [" + n0 + ", " + n1 + "), ldc " + ldc + ", " + nb + " blocks");
        if (m == 0 || n0 == n1) return;
        checkRange("min term output", c, 0, Math.multiplyExact(Math.addExact(Math.multiplyExact(m - 1, ldc), n1), 4L));
        checkRange("min term weight mins", mw, 0, Math.multiplyExact(Math.addExact(Math.multiplyExact(nb - 1, ldm), n1), 4L));
        checkRange("min term activation sums", sa, 0, Math.multiplyExact(Math.multiplyExact(m, nb), 4L));
        int r = (int) call(FN_ADD_MIN_TERM, c, mw, sa, NULL, NULL, NULL, ldc, m, n0, n1, ldm, nb, 0, 0, 0, 0, 0, 0f);
        if (r != 0) throw new IllegalStateException("egemma_add_min_term failed with " + r + " after Java-side checks passed");
    }

    // ---- super-block ("kq") GEMM -------------------------------------------------------------------------------

    private static void checkKq(String what, int format, long n, long k) {
        if (format < KQ_SUB16 || format > KQ_SUB32_MIN) throw new IllegalArgumentException(what + ": unknown format " + format);
        if (n <= 0 || n > Integer.MAX_VALUE) throw new IllegalArgumentException(what + ": row count " + n + " outside [1, 2^31)");
        if (k <= 0 || k % QK_K != 0 || k > (1L << 32))
            throw new IllegalArgumentException(what + ": row length " + k + " is not a positive multiple of " + QK_K);
    }

    /** Elements per integer scale of a kq format: 16 or 32. */
    public static int kqSub(int format) {
        return format >= KQ_SUB32 ? 32 : 16;
    }

    /** Whether a kq format has mins. */
    public static boolean kqHasMin(int format) {
        return (format & 1) != 0;
    }

    /** {@code egemma_kq_pack_size}: bytes of the packed form of {@code n} rows of {@code k} in {@code format}. */
    public long kqPackSize(int format, long n, long k) {
        checkKq("kq pack", format, n, k);
        long r = (long) call(FN_KQ_PACK_SIZE, NULL, NULL, NULL, NULL, NULL, NULL, format, n, k, 0, 0, 0, 0, 0, 0, 0, 0, 0f);
        if (r < 0) throw new IllegalArgumentException("kq pack: libegemma refused shape " + n + " x " + k + " (error " + r + ")");
        return r;
    }

    /**
     * {@code egemma_kq_pack}: packs rows {@code [j0, j0 + rows)} of an {@code n}-row matrix from their unpacked arrays
     * (for those rows only; {@code mn}, {@code dmin} ignored without mins) into {@code dst} ({@link #kqPackSize} bytes,
     * native, {@value #Q8_0_PACK_ALIGN}-byte aligned).
     */
    public void kqPack(int format, MemorySegment q, MemorySegment sc, MemorySegment mn, MemorySegment d, MemorySegment dmin, long j0, long rows,
                       long n, long k, MemorySegment dst) {
        long size = kqPackSize(format, n, k);
        if (j0 < 0 || rows < 0 || j0 + rows > n || j0 % Q8_0_PACK_COLS != 0 || (j0 + rows != n && rows % Q8_0_PACK_COLS != 0))
            throw new IllegalArgumentException("kq pack: rows [" + j0 + ", " + (j0 + rows) + ") of " + n + " do not start and end on a "
                    + Q8_0_PACK_COLS + "-row group (or at the end)");
        long subs = k / kqSub(format), blocks = k / QK_K;
        checkRange("kq pack quants", q, 0, Math.multiplyExact(rows, k));
        checkRange("kq pack scales", sc, 0, Math.multiplyExact(rows, subs));
        checkRange("kq pack d", d, 0, Math.multiplyExact(Math.multiplyExact(rows, blocks), 4L));
        boolean mins = kqHasMin(format);
        if (mins) {
            checkRange("kq pack mins", mn, 0, Math.multiplyExact(rows, subs));
            checkRange("kq pack dmin", dmin, 0, Math.multiplyExact(Math.multiplyExact(rows, blocks), 4L));
        }
        checkRange("kq pack destination", dst, 0, size);
        if (!dst.isNative() || dst.address() % Q8_0_PACK_ALIGN != 0)
            throw new IllegalArgumentException("kq pack destination must be native memory aligned to " + Q8_0_PACK_ALIGN + " bytes");
        MemorySegment mnArg = mins ? mn : MemorySegment.NULL, dminArg = mins ? dmin : MemorySegment.NULL;
        int r = (int) call(FN_KQ_PACK, q, sc, mnArg, d, dminArg, dst, format, j0, rows, n, k, 0, 0, 0, 0, 0, 0, 0f);
        if (r != 0) throw new IllegalStateException("egemma_kq_pack failed with " + r + " after Java-side checks passed");
    }

    /**
     * {@code egemma_q8_k_quantize}: rows {@code [i0, i1)} of {@code x} as Q8_K (ggml's quantize_row_q8_K_ref): int8
     * quants into {@code qa}, one float per 256 into {@code da}, the int16 sum of each 16 quants into {@code bsums}.
     */
    public void q8_kQuantize(MemorySegment x, long k, long i0, long i1, MemorySegment qa, MemorySegment da, MemorySegment bsums) {
        checkKq("Q8_K quantize", KQ_SUB16, Math.max(i1, 1), k);
        if (i0 < 0 || i0 > i1) throw new IllegalArgumentException("Q8_K quantize: bad row range [" + i0 + ", " + i1 + ")");
        checkRange("Q8_K quantize input", x, 0, Math.multiplyExact(Math.multiplyExact(i1, k), 4L));
        checkRange("Q8_K quantize quants", qa, 0, Math.multiplyExact(i1, k));
        checkRange("Q8_K quantize scales", da, 0, Math.multiplyExact(Math.multiplyExact(i1, k / QK_K), 4L));
        checkRange("Q8_K quantize sums", bsums, 0, Math.multiplyExact(Math.multiplyExact(i1, k / 16), 2L));
        if (i0 == i1) return;
        int r = (int) call(FN_Q8_K_QUANTIZE, x, qa, da, bsums, NULL, NULL, k, i0, i1, 0, 0, 0, 0, 0, 0, 0, 0, 0f);
        if (r != 0) throw new IllegalStateException("egemma_q8_k_quantize failed with " + r + " after Java-side checks passed");
    }

    /**
     * {@code egemma_kq_gemm}: {@code c[i*ldc + j]} for {@code i < m}, {@code n0 <= j < n1} from Q8_K activations
     * ({@code m} rows) and weights packed in {@code format} ({@code n} columns), in the block order. {@code scratch}:
     * at least {@link #q8_0GemmScratchSize}(m, k) bytes no other call uses meanwhile.
     */
    public void kqGemm(int format, MemorySegment qa, MemorySegment da, MemorySegment bsums, long m, long k, MemorySegment packed, long n, long n0,
                       long n1, MemorySegment c, long ldc, MemorySegment scratch) {
        checkKq("kq GEMM", format, n, k);
        if (m < 0 || m > 1L << 31) throw new IllegalArgumentException("kq GEMM: row count " + m);
        if (n0 < 0 || n0 > n1 || n1 > n) throw new IndexOutOfBoundsException("kq GEMM: columns [" + n0 + ", " + n1 + ") of " + n);
        if (ldc < n1) throw new IllegalArgumentException("kq GEMM: row stride " + ldc + " < " + n1);
        if (m == 0 || n0 == n1) return;
        checkRange("kq GEMM quants", qa, 0, Math.multiplyExact(m, k));
        checkRange("kq GEMM scales", da, 0, Math.multiplyExact(Math.multiplyExact(m, k / QK_K), 4L));
        checkRange("kq GEMM sums", bsums, 0, Math.multiplyExact(Math.multiplyExact(m, k / 16), 2L));
        checkRange("kq GEMM packed weights", packed, 0, kqPackSize(format, n, k));
        if (!packed.isNative() || packed.address() % Q8_0_PACK_ALIGN != 0)
            throw new IllegalArgumentException("kq GEMM: packed weights must be native memory aligned to " + Q8_0_PACK_ALIGN + " bytes");
        checkRange("kq GEMM output", c, 0, Math.multiplyExact(Math.addExact(Math.multiplyExact(m - 1, ldc), n1), 4L));
        checkRange("kq GEMM scratch", scratch, 0, q8_0GemmScratchSize(m, k));
        int r = (int) call(FN_KQ_GEMM, qa, da, bsums, packed, c, scratch, format, m, k, n, n0, n1, ldc, scratch.byteSize(), 0, 0, 0, 0f);
        if (r != 0) throw new IllegalStateException("egemma_kq_gemm failed with " + r + " after Java-side checks passed");
    }

    /**
     * One tile of {@code C = A * W^T} for F32/F16/BF16 weights ({@code egemma_float_gemm}): {@code c[i*ldc + j]} for
     * {@code i < m}, {@code n0 <= j < n1}, from {@code m} rows of {@code k} floats in {@code a} and {@code n} weight
     * rows of {@code k} elements of {@code wtype} ({@link #TYPE_F32}, {@link #TYPE_F16}, {@link #TYPE_BF16}) in
     * {@code w}, bit for bit as the Java kernels' float product.
     */
    public void floatGemm(MemorySegment a, long m, long k, MemorySegment w, int wtype, long n, long n0, long n1, MemorySegment c, long ldc) {
        long elem = switch (wtype) {
            case TYPE_F32 -> 4;
            case TYPE_F16, TYPE_BF16 -> 2;
            default -> throw new IllegalArgumentException("float GEMM: weight type " + wtype + " is not F32, F16 or BF16");
        };
        if (m < 0 || m > 1L << 31 || k <= 0 || k > 1L << 32 || n <= 0 || n > 1L << 31)
            throw new IllegalArgumentException("float GEMM: bad shape " + m + " x " + k + " by " + n + " x " + k);
        if (n0 < 0 || n0 > n1 || n1 > n) throw new IndexOutOfBoundsException("float GEMM: columns [" + n0 + ", " + n1 + ") of " + n);
        if (ldc < n1) throw new IllegalArgumentException("float GEMM: row stride " + ldc + " < " + n1);
        if (m == 0 || n0 == n1) return;
        checkRange("float GEMM activations", a, 0, Math.multiplyExact(Math.multiplyExact(m, k), 4L));
        checkRange("float GEMM weights", w, 0, Math.multiplyExact(Math.multiplyExact(n, k), elem));
        checkRange("float GEMM output", c, 0, Math.multiplyExact(Math.addExact(Math.multiplyExact(m - 1, ldc), n1), 4L));
        int r = (int) call(FN_FLOAT_GEMM, a, w, c, NULL, NULL, NULL, m, k, wtype, n, n0, n1, ldc, 0, 0, 0, 0, 0f);
        if (r != 0) throw new IllegalStateException("egemma_float_gemm failed with " + r + " after Java-side checks passed");
    }

    /**
     * {@code egemma_rms_norm}: RMSNorm in place of {@code rows} rows of {@code n} floats starting at float index
     * {@code off} of {@code x}, times {@code w[0..n)}.
     */
    public void rmsNorm(float[] x, int off, int rows, int n, float[] w, float eps) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(w, "w");
        if (rows < 0 || n <= 0) throw new IllegalArgumentException("RMSNorm: bad shape " + rows + " x " + n);
        if (w.length < n) throw new IllegalArgumentException("RMSNorm: " + w.length + " weights for rows of " + n);
        long len = (long) rows * n;
        if (off < 0 || off > x.length - len)
            throw new IndexOutOfBoundsException("RMSNorm: " + rows + " x " + n + " floats from " + off + " exceed an array of " + x.length);
        if (rows == 0) return;
        int r = (int) call(FN_RMS_NORM, MemorySegment.ofArray(x).asSlice(4L * off, 4L * len), MemorySegment.ofArray(w), NULL, NULL, NULL, NULL,
                rows, n, 0, 0, 0, 0, 0, 0, 0, 0, 0, eps);
        if (r != 0) throw new IllegalStateException("egemma_rms_norm failed with " + r + " after Java-side checks passed");
    }

    /** {@code egemma_gelu_mul}: {@code gate[i] = gelu(gate[i]) * up[i]} for {@code i < count} through {@code table}. */
    public void geluMul(float[] gate, float[] up, int count, MemorySegment table) {
        Objects.requireNonNull(gate, "gate");
        Objects.requireNonNull(up, "up");
        if (count < 0 || count > gate.length || count > up.length)
            throw new IndexOutOfBoundsException("GELU: " + count + " elements, arrays of " + gate.length + " and " + up.length);
        checkRange("GELU table", table, 0, 4L * GELU_TABLE_SIZE);
        if (count == 0) return;
        int r = (int) call(FN_GELU_MUL, MemorySegment.ofArray(gate), MemorySegment.ofArray(up), table, NULL, NULL, NULL,
                count, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0f);
        if (r != 0) throw new IllegalStateException("egemma_gelu_mul failed with " + r + " after Java-side checks passed");
    }

    /**
     * {@code egemma_attention} of query head {@code head} alone: the sequence of {@code tokens} rows starting at row
     * {@code rowOff} (the {@code Kernels#attention} contract); every index is checked against the arrays first.
     */
    public void attention(float[] q, float[] k, float[] v, float[] out, int rowOff, int tokens, int nHead, int nHeadKv,
                          int headDim, int headDimV, int head, int halfWindow) {
        float[] scratch = new float[Math.toIntExact(attentionScratchSize(Math.max(tokens, 0), headDim, headDimV))];
        attention(q, k, v, out, rowOff, tokens, nHead, nHeadKv, headDim, headDimV, head, 1, halfWindow, 0, tokens, scratch);
    }

    /** {@code egemma_attention_scratch_size}: floats of scratch {@code attention} needs for a sequence of {@code tokens}. */
    public long attentionScratchSize(long tokens, long headDim, long headDimV) {
        long r = (long) call(FN_ATTENTION_SCRATCH_SIZE, NULL, NULL, NULL, NULL, NULL, NULL, tokens, headDim, headDimV, 0, 0, 0, 0, 0, 0, 0, 0, 0f);
        if (r < 0) throw new IllegalArgumentException("attention: libegemma refused " + tokens + " tokens of heads " + headDim + "/" + headDimV);
        return r;
    }

    /**
     * {@code egemma_attention}: query heads {@code head .. head+heads-1} (one KV head's, the {@code Kernels#attention}
     * contract for each) for the queries {@code queryFrom <= i < queryTo} of the sequence only (every key still
     * visible to them; the other rows of {@code out} untouched), so that one head's queries can be split over threads.
     * {@code scratch}: at least {@link #attentionScratchSize} floats, reused across calls by one thread.
     */
    public void attention(float[] q, float[] k, float[] v, float[] out, int rowOff, int tokens, int nHead, int nHeadKv,
                          int headDim, int headDimV, int head, int heads, int halfWindow, int queryFrom, int queryTo, float[] scratch) {
        Objects.requireNonNull(q, "q");
        Objects.requireNonNull(scratch, "scratch");
        Objects.requireNonNull(k, "k");
        Objects.requireNonNull(v, "v");
        Objects.requireNonNull(out, "out");
        if (nHead <= 0 || nHeadKv <= 0 || nHead % nHeadKv != 0 || head < 0 || heads <= 0 || headDim <= 0 || headDimV <= 0
                || rowOff < 0 || tokens < 0 || (long) head + heads > nHead || head / (nHead / nHeadKv) != (head + heads - 1) / (nHead / nHeadKv))
            throw new IllegalArgumentException("attention: bad shape (heads " + nHead + "/" + nHeadKv + ", heads " + head + "+" + heads
                    + " of one KV head, dims " + headDim + "/" + headDimV + ", rows " + rowOff + "+" + tokens + ")");
        if (queryFrom < 0 || queryFrom > queryTo || queryTo > tokens)
            throw new IndexOutOfBoundsException("attention: queries [" + queryFrom + ", " + queryTo + ") of a sequence of " + tokens + " tokens");
        if (queryFrom == queryTo) return;
        int g = head / (nHead / nHeadKv);
        long qStride = (long) nHead * headDim, kStride = (long) nHeadKv * headDim, vStride = (long) nHeadKv * headDimV,
                oStride = (long) nHead * headDimV;
        long end = (long) rowOff + tokens;
        if (end * qStride > q.length || end * kStride > k.length || end * vStride > v.length || end * oStride > out.length)
            throw new IndexOutOfBoundsException("attention: rows " + rowOff + ".." + (end - 1) + " exceed the q/k/v/out arrays ("
                    + q.length + ", " + k.length + ", " + v.length + ", " + out.length + " floats)");
        long q0 = rowOff * qStride + (long) head * headDim, k0 = rowOff * kStride + (long) g * headDim;
        long v0 = rowOff * vStride + (long) g * headDimV, o0 = rowOff * oStride + (long) head * headDimV;
        long need = attentionScratchSize(tokens, headDim, headDimV);
        if (scratch.length < need) throw new IllegalArgumentException("attention: " + scratch.length + " floats of scratch, " + need + " needed for " + tokens + " tokens");
        int r = (int) call(FN_ATTENTION, MemorySegment.ofArray(q).asSlice(4 * q0), MemorySegment.ofArray(k).asSlice(4 * k0),
                MemorySegment.ofArray(v).asSlice(4 * v0), MemorySegment.ofArray(out).asSlice(4 * o0), MemorySegment.ofArray(scratch), NULL,
                tokens, qStride, kStride, vStride, oStride, headDim, headDimV, heads, halfWindow, queryFrom, queryTo, 0f);
        if (r != 0) throw new IllegalStateException("egemma_attention failed with " + r + " after Java-side checks passed");
    }

    /**
     * {@code egemma_rope_neox}: NEOX RoPE in place of {@code heads} heads of {@code headDim} floats in rows
     * {@code rowOff..rowOff+tokens} of stride {@code rowStride} (the {@code Kernels#ropeNeox} contract), with
     * {@code tokens * headDim/2} entries of {@code cos} and {@code sin}.
     */
    public void ropeNeox(float[] x, int rowOff, int tokens, int rowStride, int heads, int headDim, float[] cos, float[] sin, float scale) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(cos, "cos");
        Objects.requireNonNull(sin, "sin");
        if (tokens < 0 || heads < 0 || headDim <= 0 || rowOff < 0 || (long) heads * headDim > rowStride)
            throw new IllegalArgumentException("RoPE: bad shape (rows " + rowOff + "+" + tokens + " of stride " + rowStride + ", "
                    + heads + " heads of " + headDim + ")");
        long half = headDim / 2;
        if (tokens * half > cos.length || tokens * half > sin.length)
            throw new IllegalArgumentException("RoPE table covers " + Math.min(cos.length, sin.length) / Math.max(half, 1) + " positions, "
                    + tokens + " needed");
        if (tokens == 0 || heads == 0) return;
        long start = (long) rowOff * rowStride, len = (long) (tokens - 1) * rowStride + (long) heads * headDim;
        if (start + len > x.length)
            throw new IndexOutOfBoundsException("RoPE: rows " + rowOff + ".." + (rowOff + tokens - 1) + " of stride " + rowStride
                    + " exceed an array of " + x.length);
        int r = (int) call(FN_ROPE_NEOX, MemorySegment.ofArray(x).asSlice(4 * start, 4 * len), MemorySegment.ofArray(cos), MemorySegment.ofArray(sin),
                NULL, NULL, NULL, tokens, rowStride, heads, headDim, 0, 0, 0, 0, 0, 0, 0, scale);
        if (r != 0) throw new IllegalStateException("egemma_rope_neox failed with " + r + " after Java-side checks passed");
    }

    /**
     * {@code egemma_mean_pool}: {@code out[outOff + j]} = the mean of column {@code j} over rows
     * {@code rowOff..rowOff+tokens} of {@code n} floats, in llama.cpp's order (the {@code Kernels#meanPool} contract).
     */
    public void meanPool(float[] x, int rowOff, int tokens, int n, float[] out, int outOff) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(out, "out");
        if (tokens < 0 || n <= 0 || rowOff < 0 || outOff < 0)
            throw new IllegalArgumentException("mean pool: bad shape (rows " + rowOff + "+" + tokens + " of " + n + ", output at " + outOff + ")");
        long start = (long) rowOff * n, len = (long) tokens * n;
        if (start + len > x.length || (long) outOff + n > out.length)
            throw new IndexOutOfBoundsException("mean pool: rows " + rowOff + "+" + tokens + " of " + n + " in " + x.length
                    + " floats, output " + outOff + "+" + n + " in " + out.length);
        if (tokens == 0) { // an empty dot product, as the Java kernels
            java.util.Arrays.fill(out, outOff, outOff + n, 0f);
            return;
        }
        float[] w = new float[tokens];
        java.util.Arrays.fill(w, 1.0f / tokens);
        int r = (int) call(FN_MEAN_POOL, MemorySegment.ofArray(x).asSlice(4 * start, 4 * len), MemorySegment.ofArray(w),
                MemorySegment.ofArray(out).asSlice(4L * outOff, 4L * n), NULL, NULL, NULL, tokens, n, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0f);
        if (r != 0) throw new IllegalStateException("egemma_mean_pool failed with " + r + " after Java-side checks passed");
    }

    /** {@code egemma_l2_normalize}: {@code x[off..off+n)} scaled to unit L2 norm (left as zeros when all zero). */
    public void l2Normalize(float[] x, int off, int n) {
        Objects.requireNonNull(x, "x");
        if (n < 0 || off < 0 || (long) off + n > x.length)
            throw new IndexOutOfBoundsException("L2 norm: " + n + " floats from " + off + " exceed an array of " + x.length);
        if (n == 0) return;
        int r = (int) call(FN_L2_NORMALIZE, MemorySegment.ofArray(x).asSlice(4L * off, 4L * n), NULL, NULL, NULL, NULL, NULL,
                n, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0f);
        if (r != 0) throw new IllegalStateException("egemma_l2_normalize failed with " + r + " after Java-side checks passed");
    }

    // ---- argument checks ---------------------------------------------------------------------------------

    static long q8_0Bytes(String what, long nBlocks) {
        if (nBlocks < 0) throw new IllegalArgumentException(what + ": negative block count " + nBlocks);
        try {
            return Math.multiplyExact(nBlocks, Q8_0_BLOCK_BYTES);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(what + ": block count " + nBlocks + " overflows a byte size", e);
        }
    }

    static void checkShape(String what, long n, long k) {
        if (n <= 0 || n > Integer.MAX_VALUE) throw new IllegalArgumentException(what + ": row count " + n + " outside [1, 2^31)");
        if (k <= 0 || k % QK8_0 != 0 || k > (1L << 32))
            throw new IllegalArgumentException(what + ": row length " + k + " is not a positive multiple of " + QK8_0);
    }

    static void checkRange(String what, MemorySegment segment, long offset, long bytes) {
        Objects.requireNonNull(segment, what);
        if (offset < 0 || bytes < 0 || offset > segment.byteSize() - bytes) {
            throw new IndexOutOfBoundsException(what + ": needs " + bytes + " bytes from offset " + offset
                    + " but the segment holds " + segment.byteSize() + " bytes");
        }
    }

    private static String cString(MemorySegment p) {
        if (p.equals(MemorySegment.NULL)) return "";
        // static NUL-terminated string in the library; 4 KiB is far more than any name or version it returns
        return p.reinterpret(4096).getString(0);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("libegemma downcall failed", t);
    }
}
