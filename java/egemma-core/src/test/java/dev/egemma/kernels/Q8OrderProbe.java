// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels;

import dev.egemma.Q8Order;

/**
 * main() run in a forked JVM by {@link Q8OrderForkedJvmTest}: prints the Q8_0 order and the native and Java kernel sets it
 * gives; with an argument, the kernel sets made with that order ({@link Backends#newKernels(Backends.Requested, Q8Order)}).
 */
public final class Q8OrderProbe {
    private Q8OrderProbe() {}

    public static void main(String[] args) {
        try {
            Q8Order explicit = args.length > 0 ? Q8Order.byName(args[0]) : null;
            Kernels k = explicit == null ? Backends.newKernels(Backends.Requested.NATIVE) : Backends.newKernels(Backends.Requested.NATIVE, explicit);
            Kernels j = explicit == null ? Backends.newKernels(Backends.Requested.JAVA) : Backends.newKernels(Backends.Requested.JAVA, explicit);
            System.out.println("q8Order=" + (explicit != null ? explicit : Backends.q8Order()) + " kernels=" + k.name() + " java=" + j.name()
                    + " tier=" + dev.egemma.kernels.ffm.Isa.byName(k.name().split("-")[1]).cName());
        } catch (RuntimeException e) {
            System.err.println("probe failed: " + e.getMessage());
            System.exit(3);
        }
    }
}
