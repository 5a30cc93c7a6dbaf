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
 * Hand-written FFM binding of {@code include/egemma.h}, in the shape jextract generates: one
 * {@link FunctionDescriptor} constant and one {@link MethodHandle} per C function, named after it.
 * {@code EgemmaBindingHeaderTest} parses the header and checks that {@link #DESCRIPTORS} matches it function for
 * function, so the two cannot drift apart.
 *
 * <p>Kernels are bound with {@link Linker.Option#critical(boolean) critical(true)}: no thread-state transition
 * (they are short, never block and never call back) and heap segments may be passed directly. Their public
 * wrappers check every size and offset in Java first, so a bad argument is an exception here, never a read past
 * a buffer in C.
 */
public final class EgemmaBinding {

    /** {@code EGEMMA_ABI_VERSION} this binding was written for; a library reporting another is refused. */
    public static final int ABI_VERSION = 1;

    /** {@code EGEMMA_QK8_0}: quants per Q8_0 block. */
    public static final int QK8_0 = 32;
    /** {@code EGEMMA_Q8_0_BLOCK_BYTES}: fp16 scale + 32 int8. */
    public static final int Q8_0_BLOCK_BYTES = 34;

    public static final FunctionDescriptor egemma_version$DESC = FunctionDescriptor.of(ADDRESS);
    public static final FunctionDescriptor egemma_abi_version$DESC = FunctionDescriptor.of(JAVA_INT);
    public static final FunctionDescriptor egemma_cpu_features$DESC = FunctionDescriptor.of(JAVA_INT);
    public static final FunctionDescriptor egemma_caps$DESC = FunctionDescriptor.of(JAVA_INT);
    public static final FunctionDescriptor egemma_active_isa$DESC = FunctionDescriptor.of(JAVA_INT);
    public static final FunctionDescriptor egemma_set_isa_limit$DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
    public static final FunctionDescriptor egemma_isa_name$DESC = FunctionDescriptor.of(ADDRESS, JAVA_INT);
    public static final FunctionDescriptor egemma_q8_0_dot$DESC = FunctionDescriptor.of(JAVA_FLOAT, ADDRESS, ADDRESS, JAVA_LONG);

    /** Every bound C function and its descriptor, in header order. */
    public static final Map<String, FunctionDescriptor> DESCRIPTORS;
    /** The functions bound as kernels ({@code critical(true)}). */
    public static final Set<String> KERNELS = Set.of("egemma_q8_0_dot");

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
        DESCRIPTORS = Collections.unmodifiableMap(m);
    }

    private final MethodHandle egemma_version;
    private final MethodHandle egemma_abi_version;
    private final MethodHandle egemma_cpu_features;
    private final MethodHandle egemma_caps;
    private final MethodHandle egemma_active_isa;
    private final MethodHandle egemma_set_isa_limit;
    private final MethodHandle egemma_isa_name;
    private final MethodHandle egemma_q8_0_dot;

    private EgemmaBinding(SymbolLookup lookup) {
        egemma_version = bind(lookup, "egemma_version");
        egemma_abi_version = bind(lookup, "egemma_abi_version");
        egemma_cpu_features = bind(lookup, "egemma_cpu_features");
        egemma_caps = bind(lookup, "egemma_caps");
        egemma_active_isa = bind(lookup, "egemma_active_isa");
        egemma_set_isa_limit = bind(lookup, "egemma_set_isa_limit");
        egemma_isa_name = bind(lookup, "egemma_isa_name");
        egemma_q8_0_dot = bind(lookup, "egemma_q8_0_dot");
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

    private static MethodHandle bind(SymbolLookup lookup, String name) {
        MemorySegment symbol = lookup.find(name).orElseThrow(
                () -> new IllegalStateException("libegemma has no symbol " + name + " (a library of another version?)"));
        FunctionDescriptor desc = DESCRIPTORS.get(name);
        return KERNELS.contains(name)
                ? Linker.nativeLinker().downcallHandle(symbol, desc, Linker.Option.critical(true))
                : Linker.nativeLinker().downcallHandle(symbol, desc);
    }

    // ---- information and tier control ------------------------------------------------------------------

    /** {@code egemma_version()}: the library's version string. */
    public String version() {
        try {
            return cString((MemorySegment) egemma_version.invokeExact());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code egemma_abi_version()}. */
    public int abiVersion() {
        try {
            return (int) egemma_abi_version.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code egemma_cpu_features()}: raw features the CPU and OS support. */
    public Set<CpuFeature> cpuFeatures() {
        try {
            return CpuFeature.fromMask((int) egemma_cpu_features.invokeExact());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code egemma_caps()}: tiers compiled in and supported by this CPU. */
    public Set<Isa> caps() {
        try {
            return Isa.fromCaps((int) egemma_caps.invokeExact());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code egemma_active_isa()}: the tier kernels dispatch to now. */
    public Isa activeIsa() {
        try {
            return Isa.byId((int) egemma_active_isa.invokeExact());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code egemma_set_isa_limit()}: caps the tier (process-wide; not while kernels run) and returns the tier now
     * active, the best usable one not above {@code limit}.
     *
     * @throws IllegalArgumentException if {@code limit} belongs to the other architecture
     */
    public Isa setIsaLimit(Isa limit) {
        int r;
        try {
            r = (int) egemma_set_isa_limit.invokeExact(limit.id());
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new IllegalArgumentException("libegemma refused tier limit " + limit.cName() + " (error " + r
                    + "); usable tiers here: " + caps());
        }
        return Isa.byId(r);
    }

    /** {@code egemma_isa_name()}. */
    public String isaName(int isa) {
        try {
            return cString((MemorySegment) egemma_isa_name.invokeExact(isa));
        } catch (Throwable t) {
            throw rethrow(t);
        }
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
            return (float) egemma_q8_0_dot.invokeExact(a.asSlice(aOffset, bytes), b.asSlice(bOffset, bytes), nBlocks);
        } catch (Throwable t) {
            throw rethrow(t);
        }
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
