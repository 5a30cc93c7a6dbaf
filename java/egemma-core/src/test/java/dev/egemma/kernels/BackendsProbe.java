// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels;

import dev.egemma.kernels.java.Q8Dot;
import java.lang.foreign.MemorySegment;

/** main() run in a forked JVM by {@link BackendsForkedJvmTest}: prints the chosen backend and a Q8_0 dot. */
public final class BackendsProbe {
    private BackendsProbe() {}

    public static void main(String[] args) {
        try {
            Backends.Kind kind = Backends.kind();
            MemorySegment a = Q8Blocks.row(33, Q8Blocks.Fill.RANDOM, 1, 0, 0), b = Q8Blocks.row(33, Q8Blocks.Fill.RANDOM, 1, 1, 0);
            System.out.println("backend=" + kind + " nativeAvailable=" + Backends.nativeAvailable() + " dot=" + Q8Dot.dot(a, 0, b, 0, 33));
        } catch (RuntimeException e) {
            System.err.println("probe failed: " + e.getMessage());
            System.exit(3);
        }
    }
}
