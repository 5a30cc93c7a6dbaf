// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.egemma.Q8Order;
import dev.egemma.kernels.ffm.LoadAttempt;
import dev.egemma.kernels.ffm.NativeLibrary;
import dev.egemma.kernels.ffm.NativeLibraryUnavailableException;
import dev.egemma.kernels.ffm.NativeTestSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class BackendsTest {

    private static final List<LoadAttempt> TRIED = List.of(
            new LoadAttempt(LoadAttempt.Source.JAVA_LIBRARY_PATH, "/opt/x/libegemma.so", "no such file"),
            new LoadAttempt(LoadAttempt.Source.CLASSPATH, "META-INF/native/linux-x86_64/libegemma.so", "not on the classpath"));

    private static Supplier<NativeLibrary> missing() {
        return () -> { throw new NativeLibraryUnavailableException("libegemma is not available", TRIED, false); };
    }

    @Test
    void javaNeverLooksForTheLibrary() {
        List<String> warnings = new ArrayList<>();
        var s = Backends.select(Backends.Requested.JAVA, () -> { throw new AssertionError("loader called"); }, null, warnings::add);
        assertEquals(Backends.Kind.JAVA, s.kind());
        assertNull(s.nativeLibrary());
        assertTrue(warnings.isEmpty());
    }

    @Test
    void autoFallsBackWithOneWarningNamingEveryPath() {
        List<String> warnings = new ArrayList<>();
        var s = Backends.select(Backends.Requested.AUTO, missing(), null, warnings::add);
        assertEquals(Backends.Kind.JAVA, s.kind());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("/opt/x/libegemma.so") && warnings.get(0).contains("not on the classpath"), warnings.get(0));
        assertTrue(s.unavailabilityCause().contains("/opt/x/libegemma.so"));
    }

    @Test
    void nativeFailsFastWithTheSameList() {
        var e = assertThrows(IllegalStateException.class,
                () -> Backends.select(Backends.Requested.NATIVE, missing(), null, w -> { throw new AssertionError(w); }));
        assertTrue(e.getMessage().contains("egemma.backend=native") && e.getMessage().contains("/opt/x/libegemma.so"), e.getMessage());
    }

    @Test
    void unloadableExplicitPathIsAnErrorEvenForAuto() {
        Supplier<NativeLibrary> bad = () -> {
            throw new NativeLibraryUnavailableException("libegemma could not be loaded from -Degemma.native.path=/x",
                    List.of(new LoadAttempt(LoadAttempt.Source.EXPLICIT_PATH, "/x", "no such file")), true);
        };
        var e = assertThrows(IllegalStateException.class, () -> Backends.select(Backends.Requested.AUTO, bad, null, w -> {}));
        assertTrue(e.getMessage().contains("-Degemma.native.path=/x"), e.getMessage());
    }

    @Test
    void autoUsesTheLibraryWhenItLoads() {
        NativeLibrary lib = NativeTestSupport.requireNative();
        var s = Backends.select(Backends.Requested.AUTO, () -> lib, null, w -> { throw new AssertionError(w); });
        assertEquals(Backends.Kind.NATIVE, s.kind());
        assertNull(s.unavailabilityCause());
    }

    @Test
    void badSettingsAreRejectedByName() {
        var e = assertThrows(IllegalArgumentException.class, () -> Backends.parseRequested("gpu"));
        assertTrue(e.getMessage().contains("egemma.backend=gpu"), e.getMessage());
        assertEquals(Backends.Requested.AUTO, Backends.parseRequested(null));
        assertEquals(Backends.Requested.NATIVE, Backends.parseRequested(" Native "));
        NativeLibrary lib = NativeTestSupport.requireNative();
        var isa = assertThrows(IllegalArgumentException.class,
                () -> Backends.select(Backends.Requested.AUTO, () -> lib, "sse9", w -> {}));
        assertTrue(isa.getMessage().contains("egemma.isa") && isa.getMessage().contains("sse9"), isa.getMessage());
    }

    @Test
    void q8OrderComesFromThePropertyElseTheEnvironmentElseBlock() {
        assertEquals(Q8Order.BLOCK, Backends.parseQ8Order(null, null), "the block order unless asked");
        assertEquals(Q8Order.BLOCK, Backends.parseQ8Order(" ", ""), "blank is unset");
        assertEquals(Q8Order.X86, Backends.parseQ8Order("llamacpp-x86", null));
        assertEquals(Q8Order.X86, Backends.parseQ8Order(" LlamaCpp-X86 ", null));
        assertEquals(Q8Order.BLOCK, Backends.parseQ8Order(" Block ", null));
        assertEquals(Q8Order.X86, Backends.parseQ8Order(null, "LLAMACPP-X86"));
        assertEquals(Q8Order.X86, Backends.parseQ8Order("", "llamacpp-x86"), "a blank property leaves it to the environment");
        assertEquals(Q8Order.BLOCK, Backends.parseQ8Order("block", "llamacpp-x86"), "the property wins");
        assertEquals(Q8Order.X86, Backends.parseQ8Order("llamacpp-x86", "block"), "the property wins");
    }

    @Test
    void theOldNamesStillParse() {
        assertEquals(Q8Order.X86, Backends.parseQ8Order("x86", null));
        assertEquals(Q8Order.X86, Backends.parseQ8Order("X86", null));
        assertEquals(Q8Order.X86, Backends.parseQ8Order(null, "x86"));
        assertEquals(Q8Order.BLOCK, Backends.parseQ8Order("block", "x86"));
        assertEquals(Q8Order.BLOCK, Backends.parseQ8Order(null, "BLOCK"));
        assertEquals(Q8Order.X86, Q8Order.byName(" x86 "));
        assertEquals("llamacpp-x86", Q8Order.X86.cName());
        assertEquals("block", Q8Order.BLOCK.cName());
    }

    @Test
    void aBadQ8OrderIsRejectedNamingTheSettingAndTheValues() {
        var p = assertThrows(IllegalArgumentException.class, () -> Backends.parseQ8Order("fast", null));
        assertEquals("-Degemma.q8Order=fast is not one of block, llamacpp-x86 (or x86)", p.getMessage());
        var e = assertThrows(IllegalArgumentException.class, () -> Backends.parseQ8Order(null, "llama"));
        assertEquals("EGEMMA_Q8_ORDER=llama is not one of block, llamacpp-x86 (or x86)", e.getMessage());
        var both = assertThrows(IllegalArgumentException.class, () -> Backends.parseQ8Order("blocks", "x86"));
        assertTrue(both.getMessage().startsWith("-Degemma.q8Order=blocks"), "the property is the setting in use: " + both.getMessage());
    }
}
