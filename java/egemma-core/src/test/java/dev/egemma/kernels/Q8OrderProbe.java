package dev.egemma.kernels;

/** main() run in a forked JVM by {@link Q8OrderForkedJvmTest}: prints the Q8_0 order and the native kernel set it gives. */
public final class Q8OrderProbe {
    private Q8OrderProbe() {}

    public static void main(String[] args) {
        try {
            Kernels k = Backends.newKernels(Backends.Requested.NATIVE);
            System.out.println("q8Order=" + Backends.q8Order() + " kernels=" + k.name());
        } catch (RuntimeException e) {
            System.err.println("probe failed: " + e.getMessage());
            System.exit(3);
        }
    }
}
