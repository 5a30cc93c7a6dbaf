package dev.egemma.kernels;

import dev.egemma.Q8Order;

/**
 * main() run in a forked JVM by {@link Q8OrderForkedJvmTest}: prints the Q8_0 order and the native kernel set it gives;
 * with an argument, the kernel set made with that order ({@link Backends#newKernels(Backends.Requested, Q8Order)}).
 */
public final class Q8OrderProbe {
    private Q8OrderProbe() {}

    public static void main(String[] args) {
        try {
            Q8Order explicit = args.length > 0 ? Q8Order.byName(args[0]) : null;
            Kernels k = explicit == null ? Backends.newKernels(Backends.Requested.NATIVE) : Backends.newKernels(Backends.Requested.NATIVE, explicit);
            System.out.println("q8Order=" + (explicit != null ? explicit : Backends.q8Order()) + " kernels=" + k.name());
        } catch (RuntimeException e) {
            System.err.println("probe failed: " + e.getMessage());
            System.exit(3);
        }
    }
}
