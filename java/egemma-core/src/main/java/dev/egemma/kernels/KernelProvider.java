// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels;

import dev.egemma.Q8Order;
import dev.egemma.kernels.java.ScalarKernels;

/**
 * Picks the Java kernels once, in the manner of Lucene's {@code VectorizationProvider}: the Vector API
 * implementation when {@code jdk.incubator.vector} is in the boot layer and its preferred float species has
 * at least 4 lanes, otherwise the scalar one (with one warning saying why). One shared instance per {@link Q8Order}.
 */
public final class KernelProvider {
    /** The logger, made when something is logged: System.getLogger takes ~12 ms in a cold JVM, and most opens log nothing. */
    private static final class Log {
        static final System.Logger LOG = System.getLogger(KernelProvider.class.getName());
    }

    private KernelProvider() {}

    private static final class Holder {
        static final Kernels BLOCK = pickJava(Q8Order.BLOCK);
    }

    private static final class X86Holder {
        static final Kernels X86 = x86();

        private static Kernels x86() {
            if (Holder.BLOCK.getClass() == ScalarKernels.class) return new ScalarKernels(Q8Order.X86);
            try {
                return vectorKernels(Q8Order.X86);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("Vector API kernels: " + e, e); // the block-order ones were made the same way
            }
        }
    }

    /** The best pure-Java kernels for this JVM, their Q8_0 products in the default block order. */
    public static Kernels javaKernels() {
        return Holder.BLOCK;
    }

    /** The best pure-Java kernels for this JVM, their Q8_0 products in {@code order}. */
    public static Kernels javaKernels(Q8Order order) {
        return switch (order) {
            case BLOCK -> Holder.BLOCK;
            case X86 -> X86Holder.X86;
        };
    }

    private static Kernels pickJava(Q8Order order) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            Log.LOG.log(System.Logger.Level.WARNING, "jdk.incubator.vector is not enabled (run java with --add-modules jdk.incubator.vector); "
                    + "using the much slower scalar Java kernels");
            return new ScalarKernels(order);
        }
        try {
            // loaded reflectively so that this class links without the incubator module
            Class<?> c = Class.forName("dev.egemma.kernels.java.VectorKernels");
            Object usable = c.getMethod("isUsable").invoke(null);
            if (Boolean.TRUE.equals(usable)) return vectorKernels(order);
            Log.LOG.log(System.Logger.Level.WARNING, "the Vector API's preferred species is too narrow on this CPU; using the scalar Java kernels");
        } catch (ReflectiveOperationException | LinkageError e) {
            Log.LOG.log(System.Logger.Level.WARNING, "Vector API kernels unavailable (" + e + "); using the scalar Java kernels");
        }
        return new ScalarKernels(order);
    }

    /** {@code new VectorKernels(order)}, reflectively (its class needs the incubator module). */
    private static Kernels vectorKernels(Q8Order order) throws ReflectiveOperationException {
        return (Kernels) Class.forName("dev.egemma.kernels.java.VectorKernels").getConstructor(Q8Order.class).newInstance(order);
    }
}
