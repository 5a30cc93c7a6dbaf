// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels;

import dev.egemma.Q8Order;
import dev.egemma.kernels.ffm.Isa;
import dev.egemma.kernels.ffm.NativeKernels;
import dev.egemma.kernels.ffm.NativeLibrary;
import dev.egemma.kernels.ffm.NativeLibraryLoader;
import dev.egemma.kernels.ffm.NativeLibraryUnavailableException;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Chooses the compute backend once per process, in the manner of Lucene's {@code VectorizationProvider}:
 * {@code -Degemma.backend=auto|native|java} (default {@code auto}).
 * <ul>
 * <li>{@code auto}: libegemma if it loads, else the pure-Java backend, with one WARNING naming every place tried
 * and why each failed;</li>
 * <li>{@code native}: libegemma or an {@link IllegalStateException} carrying that same list, at first use;</li>
 * <li>{@code java}: the pure-Java backend; the native library is not even looked for.</li>
 * </ul>
 * A {@code -Degemma.native.path} that cannot be loaded is an error for {@code auto} too.
 * {@code -Degemma.isa=<tier>} (or the environment variable {@code EGEMMA_ISA}, read by libegemma itself) caps
 * the native kernel tier, e.g. {@code avx2} on an AVX-512 machine. {@code -Degemma.q8Order=block|llamacpp-x86} (or the
 * environment variable {@code EGEMMA_Q8_ORDER}; the property wins; {@code x86} is the older name of {@code llamacpp-x86})
 * picks the Q8_0 products' float order ({@link Q8Order}; default {@code block}) of kernel sets not given one
 * ({@link #newKernels(Requested, Q8Order)}), native and Java alike.
 */
public final class Backends {

    public static final String PROP_BACKEND = "egemma.backend";
    public static final String PROP_ISA = "egemma.isa";
    public static final String ENV_ISA = "EGEMMA_ISA";
    public static final String PROP_Q8_ORDER = "egemma.q8Order";
    public static final String ENV_Q8_ORDER = "EGEMMA_Q8_ORDER";

    /** What the user asked for. */
    public enum Requested { AUTO, NATIVE, JAVA }

    /** What runs. */
    public enum Kind { NATIVE, JAVA }

    /**
     * Outcome of the choice.
     *
     * @param requested what {@code egemma.backend} asked for
     * @param kind the backend chosen
     * @param nativeLibrary the loaded library, or null
     * @param unavailabilityCause why the native backend is not used (null when it is)
     */
    public record Selection(Requested requested, Kind kind, NativeLibrary nativeLibrary, String unavailabilityCause) {}

    /** The logger, made when something is logged: System.getLogger takes ~12 ms in a cold JVM, and most opens log nothing. */
    private static final class Log {
        static final System.Logger LOG = System.getLogger(Backends.class.getName());
    }

    private Backends() {}

    /** The selection or the error of {@code native} without a library; computed once, rethrown on every use. */
    private static final class Holder {
        static final Selection SELECTION;
        static final RuntimeException FAILURE;

        static {
            Selection s = null;
            RuntimeException f = null;
            try {
                s = select(parseRequested(System.getProperty(PROP_BACKEND)),
                        () -> NativeLibraryLoader.fromSystemProperties().load(), System.getProperty(PROP_ISA),
                        msg -> Log.LOG.log(System.Logger.Level.WARNING, msg));
            } catch (RuntimeException e) {
                f = e;
            }
            SELECTION = s;
            FAILURE = f;
        }
    }

    /**
     * The process-wide selection, made on first use.
     *
     * @throws IllegalStateException with {@code -Degemma.backend=native} when libegemma cannot be loaded
     * @throws IllegalArgumentException for a bad {@code egemma.backend} or {@code egemma.isa} value
     */
    public static Selection selection() {
        if (Holder.FAILURE instanceof IllegalStateException e) throw new IllegalStateException(e.getMessage(), e);
        if (Holder.FAILURE instanceof IllegalArgumentException e) throw new IllegalArgumentException(e.getMessage(), e);
        if (Holder.FAILURE != null) throw new IllegalStateException(Holder.FAILURE.getMessage(), Holder.FAILURE);
        return Holder.SELECTION;
    }

    /** {@code egemma.q8Order} / {@code EGEMMA_Q8_ORDER}, read once (Java reads both: libegemma takes the order per call). */
    private static final class Q8OrderHolder {
        static final Q8Order ORDER;
        static final IllegalArgumentException FAILURE;

        static {
            Q8Order o = null;
            IllegalArgumentException f = null;
            try {
                o = parseQ8Order(System.getProperty(PROP_Q8_ORDER), System.getenv(ENV_Q8_ORDER));
            } catch (IllegalArgumentException e) {
                f = e;
            }
            ORDER = o;
            FAILURE = f;
        }
    }

    /**
     * The process default float order of the Q8_0 products of kernel sets made without an order of their own (see
     * {@link dev.egemma.Embedder.Options#withQ8Order}): {@code -Degemma.q8Order}, else the environment variable
     * {@code EGEMMA_Q8_ORDER}, else {@link Q8Order#BLOCK}.
     *
     * @throws IllegalArgumentException for a value {@link Q8Order#byName} does not know, naming where it came from
     */
    public static Q8Order q8Order() {
        if (Q8OrderHolder.FAILURE != null) throw new IllegalArgumentException(Q8OrderHolder.FAILURE.getMessage(), Q8OrderHolder.FAILURE);
        return Q8OrderHolder.ORDER;
    }

    /**
     * The order {@code property} names (the value of {@code egemma.q8Order}, or null), else the one {@code env} names
     * ({@code EGEMMA_Q8_ORDER}, or null), else {@link Q8Order#BLOCK}; blanks count as unset, case is ignored.
     */
    static Q8Order parseQ8Order(String property, String env) {
        if (property != null && !property.isBlank()) return q8Order("-D" + PROP_Q8_ORDER + "=" + property, property);
        if (env != null && !env.isBlank()) return q8Order(ENV_Q8_ORDER + "=" + env, env);
        return Q8Order.BLOCK;
    }

    private static Q8Order q8Order(String setting, String value) {
        try {
            return Q8Order.byName(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(setting + " is not one of " + Q8Order.names(), e);
        }
    }

    /** The backend in use. With {@code -Degemma.backend=native} and no library this throws. */
    public static Kind kind() {
        return selection().kind();
    }

    /** Whether libegemma is loaded and used. */
    public static boolean nativeAvailable() {
        return selection().nativeLibrary() != null;
    }

    /** Why libegemma is not used (every path tried and why it failed), or empty when it is used. */
    public static Optional<String> unavailabilityCause() {
        return Optional.ofNullable(selection().unavailabilityCause());
    }

    /** The loaded library, when the native backend is in use. */
    public static Optional<NativeLibrary> nativeLibrary() {
        return Optional.ofNullable(selection().nativeLibrary());
    }

    /**
     * A new kernel set for one model (native kernels keep that model's packed weights, so do not share one
     * between models):
     * <ul>
     * <li>{@code AUTO}: what the process-wide {@link #selection()} chose ({@code -Degemma.backend}, default: libegemma
     * when it loads);</li>
     * <li>{@code NATIVE}: libegemma's kernels, or an {@link IllegalStateException} saying why it cannot be loaded;</li>
     * <li>{@code JAVA}: the pure-Java kernels.</li>
     * </ul>
     * Both sum their Q8_0 products in {@link #q8Order()}.
     *
     * @throws IllegalArgumentException for a bad {@code egemma.q8Order} / {@code EGEMMA_Q8_ORDER}
     */
    public static Kernels newKernels(Requested requested) {
        return newKernels(requested, null);
    }

    /**
     * As {@link #newKernels(Requested)}, the kernels (native or Java) summing their Q8_0 products in {@code q8Order}
     * (null: the process default, {@link #q8Order()}).
     *
     * @throws IllegalArgumentException when {@code q8Order} is null and {@code egemma.q8Order} / {@code EGEMMA_Q8_ORDER} is bad
     */
    public static Kernels newKernels(Requested requested, Q8Order q8Order) {
        return switch (requested) {
            case JAVA -> KernelProvider.javaKernels(orDefault(q8Order));
            case AUTO -> nativeAvailable() ? nativeKernels(selection().nativeLibrary(), orDefault(q8Order)) : KernelProvider.javaKernels(orDefault(q8Order));
            case NATIVE -> {
                NativeLibrary lib = Holder.SELECTION != null ? Holder.SELECTION.nativeLibrary() : null;
                yield nativeKernels(lib != null ? lib : ExplicitNative.library(), orDefault(q8Order));
            }
        };
    }

    /** libegemma's kernels in {@code order}, the Java kernels of the same order serving the types libegemma lacks. */
    private static Kernels nativeKernels(NativeLibrary lib, Q8Order order) {
        return new NativeKernels(lib, () -> KernelProvider.javaKernels(order), order);
    }

    private static Q8Order orDefault(Q8Order q8Order) {
        // the process-wide setting is read only when no order is given: a bad one must not fail explicit choices
        return q8Order != null ? q8Order : q8Order();
    }

    /** libegemma loaded on request although {@code egemma.backend} chose the Java backend. */
    private static final class ExplicitNative {
        private static NativeLibrary lib;
        private static IllegalStateException failure;

        static synchronized NativeLibrary library() {
            if (lib == null && failure == null) {
                try {
                    lib = NativeLibraryLoader.fromSystemProperties().load();
                } catch (NativeLibraryUnavailableException e) {
                    failure = new IllegalStateException("the native backend was requested but " + e.getMessage(), e);
                }
            }
            if (failure != null) throw new IllegalStateException(failure.getMessage(), failure);
            return lib;
        }
    }

    static Requested parseRequested(String value) {
        if (value == null || value.isBlank()) return Requested.AUTO;
        try {
            return Requested.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("-D" + PROP_BACKEND + "=" + value + " is not one of auto, native, java", e);
        }
    }

    /**
     * The selection logic, separate from the system properties so that tests can run it with any loader.
     *
     * @param requested what was asked for
     * @param loader loads libegemma or throws {@link NativeLibraryUnavailableException}
     * @param isaLimit value of {@code egemma.isa} or null
     * @param warn receives the one fallback warning of {@code auto}
     * @throws IllegalStateException for {@code native} when the library cannot be loaded
     */
    public static Selection select(Requested requested, Supplier<NativeLibrary> loader, String isaLimit,
                                   Consumer<String> warn) {
        if (requested == Requested.JAVA) {
            return new Selection(requested, Kind.JAVA, null, "-D" + PROP_BACKEND + "=java");
        }
        NativeLibrary lib;
        try {
            lib = loader.get();
        } catch (NativeLibraryUnavailableException e) {
            if (requested == Requested.NATIVE) {
                throw new IllegalStateException("-D" + PROP_BACKEND + "=native but " + e.getMessage(), e);
            }
            if (e.explicitPathFailed()) {
                // an explicit library path is a request for that library: never fall back silently
                throw new IllegalStateException(e.getMessage(), e);
            }
            warn.accept("egemma: using the Java backend because " + e.getMessage()
                    + System.lineSeparator() + "  (set -D" + PROP_BACKEND + "=java to choose it without this warning)");
            return new Selection(requested, Kind.JAVA, null, e.getMessage());
        }
        String env = System.getenv(ENV_ISA);
        if (env != null && !env.isBlank()) {
            try {
                Isa.byName(env);
            } catch (IllegalArgumentException e) {
                warn.accept("egemma: " + ENV_ISA + "=" + env + " ignored: " + e.getMessage());
            }
        }
        if (isaLimit != null && !isaLimit.isBlank()) {
            Isa limit;
            try {
                limit = Isa.byName(isaLimit);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("-D" + PROP_ISA + ": " + e.getMessage(), e);
            }
            lib.binding().setIsaLimit(limit);
        }
        return new Selection(requested, Kind.NATIVE, lib, null);
    }
}
