// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import dev.egemma.Q8Order;
import dev.egemma.kernels.Backends;
import dev.egemma.kernels.ffm.CpuFeature;
import dev.egemma.kernels.ffm.EgemmaBinding;
import dev.egemma.kernels.ffm.Isa;
import dev.egemma.kernels.ffm.LoadAttempt;
import dev.egemma.kernels.ffm.NativeLibrary;
import dev.egemma.kernels.ffm.NativePlatform;
import dev.egemma.kernels.java.Q8Dot;
import java.io.PrintWriter;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code egemma caps}: what this machine and build can run: the platform, the backend chosen
 * ({@code -Degemma.backend}), libegemma's path (or why it is unavailable), the CPU features it detected, its
 * usable kernel tiers and the active one ({@code -Degemma.isa} / {@code EGEMMA_ISA} lower it), and the float order of the
 * Q8_0 products ({@code -Degemma.q8Order} / {@code EGEMMA_Q8_ORDER}), on either backend.
 */
@Command(name = "caps", mixinStandardHelpOptions = true,
        description = {"Print the detected ISA tiers, the chosen tier and backend, and where libegemma was loaded from (or why not).",
                "JVM options go in EGEMMA_JAVA_OPTS, e.g. EGEMMA_JAVA_OPTS=-Degemma.isa=avx2 ./egemma caps"})
public final class CapsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.ParentCommand
    Main main; // its --verbose (-v) also lists every location the loader tried

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        NativePlatform platform = NativePlatform.current();
        out.printf("platform:     %s (%s %s, %d CPUs, Java %s)%n", platform.classifier(), System.getProperty("os.name"),
                System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(), Runtime.version());
        Backends.Selection sel;
        try {
            sel = Backends.selection();
        } catch (RuntimeException e) {
            err.println("egemma caps: " + e.getMessage());
            return 1;
        }
        out.printf("backend:      %s (requested %s)%n", lower(sel.kind()), lower(sel.requested()));
        NativeLibrary lib = sel.nativeLibrary();
        if (lib == null) {
            out.printf("library:      unavailable: %s%n", sel.unavailabilityCause().replace(System.lineSeparator(), System.lineSeparator() + "              "));
        } else {
            EgemmaBinding b = lib.binding();
            out.printf("library:      %s (from %s; libegemma %s, ABI %d)%n", lib.path(), lib.source().label(), b.version(), b.abiVersion());
            out.printf("cpu features: %s%n", join(b.cpuFeatures().stream().map(CpuFeature::label).collect(Collectors.toList())));
            Set<Isa> caps = b.caps();
            out.printf("isa tiers:    %s%n", join(caps.stream().map(Isa::cName).collect(Collectors.toList())));
            out.printf("active tier:  %s%n", b.activeIsa().cName());
            if (main != null && main.verbose) {
                for (LoadAttempt a : lib.attempts()) out.printf("tried:        %s%n", a);
            }
        }
        Q8Order order;
        try {
            order = Backends.q8Order();
        } catch (IllegalArgumentException e) {
            out.flush();
            err.println("egemma caps: " + e.getMessage());
            return 1;
        }
        out.printf("q8_0 order:   %s%n", describe(order, lib == null ? null : lib.binding().activeIsa()));
        out.printf("java vector:  %s%n", Q8Dot.VECTOR_AVAILABLE ? "Vector API on (Q8_0 dot)" : "Vector API unavailable, scalar Java kernels");
        out.flush();
        return 0;
    }

    /** The q8_0 order line: the process default {@code order} and what runs on {@code tier} (null: the Java backend). */
    static String describe(Q8Order order, Isa tier) {
        String x86 = Q8Order.X86.cName();
        if (order == Q8Order.BLOCK)
            return "block (the default: one sum per output, the same bits on every tier and both backends, not llama.cpp's; --q8-order "
                    + x86 + " or -D" + Backends.PROP_Q8_ORDER + "=" + x86 + " for llama.cpp's x86 bits)";
        if (tier == Isa.NEON || tier == Isa.NEON_DOTPROD)
            return x86 + " requested, block on " + tier.cName() + " (it has no x86-order kernel; the Java backend runs " + x86 + ")";
        return x86 + " (llama.cpp's x86 bits, slower; the default block order is faster)";
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String join(java.util.List<String> items) {
        return items.isEmpty() ? "(none)" : String.join(" ", items);
    }
}
