// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.egemma.Q8Order;
import dev.egemma.testing.TestData;
import java.io.IOException;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * include/egemma.h is the single source of truth: every function it exports must have a binding with the same
 * FunctionDescriptor, every binding must be in the header, and the constants mirrored in Java must match.
 * No native library needed: this reads the header text.
 */
class EgemmaBindingHeaderTest {

    private static final Pattern DECL = Pattern.compile("^EGEMMA_API\\s+(.+?)\\s*\\b(egemma_\\w+)\\s*\\(([^)]*)\\)\\s*;\\s*$");
    private static final Pattern DEFINE = Pattern.compile("^#define\\s+(EGEMMA_\\w+)\\s+\\(?(1u << \\d+|-?\\d+)\\)?");

    static Path header() {
        return TestData.dir().toAbsolutePath().getParent().resolve("include").resolve("egemma.h");
    }

    static Map<String, FunctionDescriptor> parse(List<String> lines) {
        Map<String, FunctionDescriptor> out = new LinkedHashMap<>();
        for (String raw : lines) {
            String line = raw.strip();
            if (!line.startsWith("EGEMMA_API ")) continue;
            Matcher m = DECL.matcher(line);
            assertTrue(m.matches(), "declaration not in the one-line form the binding test reads: " + line);
            MemoryLayout ret = layout(m.group(1), line);
            List<MemoryLayout> args = new ArrayList<>();
            String params = m.group(3).strip();
            if (!params.equals("void") && !params.isEmpty()) {
                for (String p : params.split(",")) {
                    // drop the parameter name: the last identifier, unless the type is all there is
                    String t = p.strip().replaceAll("\\s*\\b\\w+$", "");
                    args.add(layout(t, line));
                }
            }
            MemoryLayout[] a = args.toArray(MemoryLayout[]::new);
            out.put(m.group(2), ret == null ? FunctionDescriptor.ofVoid(a) : FunctionDescriptor.of(ret, a));
        }
        return out;
    }

    /** C type -> the layout the binding must use (null for void). */
    static MemoryLayout layout(String cType, String line) {
        String t = cType.replace("const ", "").replaceAll("\\s+", " ").strip();
        if (t.endsWith("*")) return ValueLayout.ADDRESS;
        return switch (t) {
            case "void" -> null;
            case "int32_t", "uint32_t", "int" -> ValueLayout.JAVA_INT;
            case "int64_t", "uint64_t" -> ValueLayout.JAVA_LONG;
            case "float" -> ValueLayout.JAVA_FLOAT;
            case "double" -> ValueLayout.JAVA_DOUBLE;
            case "int16_t", "uint16_t" -> ValueLayout.JAVA_SHORT;
            case "int8_t", "uint8_t" -> ValueLayout.JAVA_BYTE;
            default -> throw new AssertionError("type '" + cType + "' has no mapping in this test; add one: " + line);
        };
    }

    /** Address layouts compare without target layouts (a binding may attach one to read a string). */
    static FunctionDescriptor normalize(FunctionDescriptor d) {
        MemoryLayout[] args = d.argumentLayouts().stream().map(EgemmaBindingHeaderTest::plain).toArray(MemoryLayout[]::new);
        return d.returnLayout().map(r -> FunctionDescriptor.of(plain(r), args)).orElseGet(() -> FunctionDescriptor.ofVoid(args));
    }

    private static MemoryLayout plain(MemoryLayout l) {
        return l instanceof AddressLayout a ? a.withoutTargetLayout() : l;
    }

    @Test
    void everyExportedFunctionHasAMatchingBinding() throws IOException {
        Map<String, FunctionDescriptor> header = parse(Files.readAllLines(header()));
        assertFalse(header.isEmpty(), "no EGEMMA_API declaration found in " + header());
        assertTrue(header.containsKey("egemma_q8_0_dot"));
        for (var e : header.entrySet()) {
            FunctionDescriptor bound = EgemmaBinding.DESCRIPTORS.get(e.getKey());
            assertTrue(bound != null, "include/egemma.h exports " + e.getKey() + " but EgemmaBinding has no binding for it");
            assertEquals(e.getValue(), normalize(bound), "descriptor of " + e.getKey());
        }
        for (String name : EgemmaBinding.DESCRIPTORS.keySet()) {
            assertTrue(header.containsKey(name), "EgemmaBinding binds " + name + " which include/egemma.h does not declare");
        }
        assertTrue(header.keySet().containsAll(EgemmaBinding.KERNELS));
    }

    @Test
    void constantsMirroredInJavaMatchTheHeader() throws IOException {
        Map<String, Long> defs = new LinkedHashMap<>();
        for (String line : Files.readAllLines(header())) {
            Matcher m = DEFINE.matcher(line.strip());
            if (!m.find()) continue;
            String v = m.group(2);
            defs.put(m.group(1), v.startsWith("1u << ") ? 1L << Integer.parseInt(v.substring(6).strip()) : Long.parseLong(v));
        }
        assertEquals(EgemmaBinding.ABI_VERSION, defs.get("EGEMMA_ABI_VERSION"));
        assertEquals(EgemmaBinding.QK8_0, defs.get("EGEMMA_QK8_0"));
        assertEquals(EgemmaBinding.Q8_0_BLOCK_BYTES, defs.get("EGEMMA_Q8_0_BLOCK_BYTES"));
        assertEquals(EgemmaBinding.Q8_0_ORDER_X86, defs.get("EGEMMA_Q8_0_ORDER_X86"));
        assertEquals(EgemmaBinding.Q8_0_ORDER_BLOCK, defs.get("EGEMMA_Q8_0_ORDER_BLOCK"));
        for (Q8Order o : Q8Order.values()) {
            assertEquals(o.id(), defs.get("EGEMMA_Q8_0_ORDER_" + o.name()), "EGEMMA_Q8_0_ORDER_" + o.name());
        }
        long orderDefines = defs.keySet().stream().filter(k -> k.startsWith("EGEMMA_Q8_0_ORDER_")).count();
        assertEquals(Q8Order.values().length, orderDefines, "every EGEMMA_Q8_0_ORDER_* has a Q8Order");
        assertEquals(EgemmaBinding.Q8_0_PACK_COLS, defs.get("EGEMMA_Q8_0_PACK_COLS"));
        assertEquals(EgemmaBinding.Q8_0_PACK_RECORD_BYTES, defs.get("EGEMMA_Q8_0_PACK_RECORD_BYTES"));
        assertEquals(EgemmaBinding.Q8_0_PACK_SCALE_BYTES, defs.get("EGEMMA_Q8_0_PACK_SCALE_BYTES"));
        assertEquals(EgemmaBinding.Q8_0_PACK_ALIGN, defs.get("EGEMMA_Q8_0_PACK_ALIGN"));
        assertEquals(EgemmaBinding.Q8_0_ROW_PAD, defs.get("EGEMMA_Q8_0_ROW_PAD"));
        assertEquals(EgemmaBinding.GELU_TABLE_SIZE, defs.get("EGEMMA_GELU_TABLE_SIZE"));
        assertEquals(EgemmaBinding.TYPE_F32, defs.get("EGEMMA_TYPE_F32"));
        assertEquals(EgemmaBinding.TYPE_F16, defs.get("EGEMMA_TYPE_F16"));
        assertEquals(EgemmaBinding.TYPE_BF16, defs.get("EGEMMA_TYPE_BF16"));
        assertEquals(dev.egemma.gguf.GgmlType.F32.id, EgemmaBinding.TYPE_F32, "ggml's type ids");
        assertEquals(dev.egemma.gguf.GgmlType.F16.id, EgemmaBinding.TYPE_F16, "ggml's type ids");
        assertEquals(dev.egemma.gguf.GgmlType.BF16.id, EgemmaBinding.TYPE_BF16, "ggml's type ids");
        assertEquals(Isa.values().length, defs.get("EGEMMA_ISA_COUNT"));
        for (Isa t : Isa.values()) {
            assertEquals(t.id(), defs.get("EGEMMA_ISA_" + t.name()), "EGEMMA_ISA_" + t.name());
        }
        for (CpuFeature f : CpuFeature.values()) {
            assertEquals(1L << f.bit(), defs.get("EGEMMA_CPU_" + f.name()), "EGEMMA_CPU_" + f.name());
        }
        long cpuDefines = defs.keySet().stream().filter(k -> k.startsWith("EGEMMA_CPU_")).count();
        assertEquals(CpuFeature.values().length, cpuDefines, "every EGEMMA_CPU_* bit has a CpuFeature");
        // egemma_call's function numbers: one per header function but egemma_q8_0_dot (and egemma_call), each the same in Java
        Map<String, Long> fns = new LinkedHashMap<>();
        for (var d : defs.entrySet()) if (d.getKey().startsWith("EGEMMA_FN_")) fns.put(d.getKey().substring("EGEMMA_".length()), d.getValue());
        java.util.Set<String> expected = new java.util.TreeSet<>();
        for (String fn : EgemmaBinding.DESCRIPTORS.keySet())
            if (!fn.equals("egemma_q8_0_dot") && !fn.equals("egemma_call")) expected.add("FN_" + fn.substring("egemma_".length()).toUpperCase(java.util.Locale.ROOT));
        assertEquals(expected, new java.util.TreeSet<>(fns.keySet()), "an EGEMMA_FN_* for every function egemma_call reaches");
        for (var e : fns.entrySet()) {
            try {
                java.lang.reflect.Field field = EgemmaBinding.class.getDeclaredField(e.getKey());
                assertEquals(e.getValue().longValue(), field.getInt(null), e.getKey());
            } catch (ReflectiveOperationException x) {
                throw new AssertionError("EgemmaBinding has no " + e.getKey() + " for EGEMMA_" + e.getKey(), x);
            }
        }
    }

    @Test
    void theParserSeesADrift() {
        // the check above is only worth something if a changed signature changes the parsed descriptor
        var drifted = parse(List.of("EGEMMA_API float egemma_q8_0_dot(const void *a, const void *b, int32_t n_blocks);"));
        assertFalse(drifted.get("egemma_q8_0_dot").equals(normalize(EgemmaBinding.egemma_q8_0_dot$DESC)));
        var same = parse(List.of("EGEMMA_API float egemma_q8_0_dot(const void *a, const void *b, int64_t n_blocks);"));
        assertEquals(same.get("egemma_q8_0_dot"), normalize(EgemmaBinding.egemma_q8_0_dot$DESC));
    }
}
