package dev.egemma.kernels;

import dev.egemma.kernels.java.ScalarKernels;

/**
 * Picks the Java kernels once, in the manner of Lucene's {@code VectorizationProvider}: the Vector API
 * implementation when {@code jdk.incubator.vector} is in the boot layer and its preferred float species has
 * at least 4 lanes, otherwise the scalar one (with one warning saying why).
 */
public final class KernelProvider {
    private static final System.Logger LOG = System.getLogger(KernelProvider.class.getName());

    private KernelProvider() {}

    private static final class Holder {
        static final Kernels JAVA = pickJava();
    }

    /** The best pure-Java kernels for this JVM. */
    public static Kernels javaKernels() {
        return Holder.JAVA;
    }

    private static Kernels pickJava() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "jdk.incubator.vector is not enabled (run java with --add-modules jdk.incubator.vector); "
                    + "using the much slower scalar Java kernels");
            return new ScalarKernels();
        }
        try {
            // loaded reflectively so that this class links without the incubator module
            Class<?> c = Class.forName("dev.egemma.kernels.java.VectorKernels");
            Object usable = c.getMethod("isUsable").invoke(null);
            if (Boolean.TRUE.equals(usable)) return (Kernels) c.getConstructor().newInstance();
            LOG.log(System.Logger.Level.WARNING, "the Vector API's preferred species is too narrow on this CPU; using the scalar Java kernels");
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.log(System.Logger.Level.WARNING, "Vector API kernels unavailable (" + e + "); using the scalar Java kernels");
        }
        return new ScalarKernels();
    }
}
