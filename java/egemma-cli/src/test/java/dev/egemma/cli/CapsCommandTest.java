// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.egemma.Q8Order;
import dev.egemma.kernels.Backends;
import dev.egemma.kernels.ffm.Isa;
import dev.egemma.kernels.ffm.NativePlatform;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code egemma caps} with the CLI's own classpath, which carries the egemma-native JAR of this platform. */
class CapsCommandTest {

    @Test
    void printsTiersBackendAndLibrary() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            code = Main.run("caps", "--verbose");
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        assertTrue(out.contains("platform:     " + NativePlatform.current().classifier()), out);
        assertTrue(out.contains("backend:      " + Backends.kind().name().toLowerCase()), out);
        if (!Backends.nativeAvailable()) {
            boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
            assertTrue(!ci, "CI=true and libegemma did not load from the CLI classpath: " + out);
            assumeTrue(false, "libegemma unavailable: " + out);
        }
        assertTrue(out.contains("isa tiers:    scalar"), out);
        assertTrue(out.contains("active tier:  "), out);
        assertTrue(out.contains("library:      ") && out.contains("from classpath"), out);
        assertTrue(out.contains("q8_0 order:   " + Backends.q8Order().cName()), out);
        if (System.getProperty(Backends.PROP_Q8_ORDER) == null && System.getenv(Backends.ENV_Q8_ORDER) == null)
            assertTrue(out.contains("q8_0 order:   block (the default"), out);
    }

    @Test
    void theQ8OrderLineSaysWhatRunsAndHowToChangeIt() {
        assertEquals("llamacpp-x86 (llama.cpp's x86 bits, slower; the default block order is faster)", CapsCommand.describe(Q8Order.X86, Isa.AVX512));
        assertEquals(CapsCommand.describe(Q8Order.X86, Isa.AVX512), CapsCommand.describe(Q8Order.X86, null), "the Java backend runs it too");
        for (Isa tier : new Isa[] {Isa.AMX, null}) {
            assertTrue(CapsCommand.describe(Q8Order.BLOCK, tier).startsWith("block (the default"), CapsCommand.describe(Q8Order.BLOCK, tier));
            assertTrue(CapsCommand.describe(Q8Order.BLOCK, tier).contains("--q8-order llamacpp-x86 or -Degemma.q8Order=llamacpp-x86"));
        }
        assertTrue(CapsCommand.describe(Q8Order.X86, Isa.NEON_DOTPROD).contains("block on neon_dotprod"), "NEON has no x86-order kernel");
    }
}
