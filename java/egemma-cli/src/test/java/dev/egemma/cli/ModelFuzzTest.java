// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufValue;
import dev.egemma.gguf.GgufValueType;
import dev.egemma.gguf.GgufWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 30: every header field and every metadata value of a small model, mutated one at a time (edge and huge
 * numbers, NaN and infinities, empty and foreign strings, flipped booleans, empty, shortened or wrongly typed
 * arrays, the key removed), then {@code egemma embed} on it. Each variant must end within a time bound with
 * bounded memory and either print valid vectors (finite, unit length) or fail with one line naming the problem;
 * never a stack trace, a hang, a crash of the JVM (a native call on an unchecked size) or an "internal error".
 */
class ModelFuzzTest {
    static final Path MODEL = CliTestSupport.testdata("golden/small-dense-q8_0.gguf");
    /** Per variant: opening and embedding the 64-wide model takes milliseconds; a forged size must not take longer. */
    static final Duration BOUND = Duration.ofSeconds(20);
    /** Heap a variant may add at its peak: the model is 1.8 MB, its vocabulary a few MB of objects. */
    static final long HEAP_BOUND = 512L << 20;
    static final long[] INTS = {0, 1, 2, 3, 31, 33, 64, 255, 65_536, 1_000_000_000L, 0x7fffffffL, 0xffffffffL};
    static final float[] FLOATS = {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, 1e30f, Float.MAX_VALUE};
    static final String[] STRINGS = {"", "x", "gemma3", "bert", "\u0000", "é".repeat(50_000)};

    @TempDir
    Path dir;

    private final List<String> outcomes = new ArrayList<>();
    private int variants, refused;

    @Test
    void everyMetadataValueMutatedIsRefusedInOneLineOrEmbedsValidVectors() throws Exception {
        Map<String, GgufValue> original; // types and scalars only: the file's string arrays are read while it is open
        try (GgufFile f = GgufFile.open(MODEL)) {
            original = new java.util.LinkedHashMap<>(GgufWriter.copyOf(f).metadata());
        }
        for (Map.Entry<String, GgufValue> kv : original.entrySet()) {
            String key = kv.getKey();
            GgufValue v = kv.getValue();
            variant(key + " removed", w -> w.remove(key));
            switch (v.type()) {
                case UINT32, INT32, UINT64, INT64, UINT16, INT16, UINT8, INT8 -> {
                    for (long x : INTS) variant(key + " = " + x, w -> w.put(key, GgufValue.of(GgufValueType.UINT32, x)));
                    variant(key + " as a string", w -> w.putString(key, "1"));
                    variant(key + " as -1 (INT32)", w -> w.putI32(key, -1));
                }
                case FLOAT32, FLOAT64 -> {
                    for (float x : FLOATS) variant(key + " = " + x, w -> w.putF32(key, x));
                    variant(key + " as an integer", w -> w.putU32(key, 1));
                }
                case STRING -> {
                    for (String s : STRINGS) variant(key + " = \"" + abbreviate(s) + "\"", w -> w.putString(key, s));
                    variant(key + " as an integer", w -> w.putU32(key, 7));
                }
                case BOOL -> {
                    variant(key + " flipped", w -> w.putBool(key, !(Boolean) v.value()));
                    variant(key + " as an integer", w -> w.putU32(key, 1));
                }
                case ARRAY -> {
                    GgufValueType et = v.elementType();
                    variant(key + " empty", w -> w.put(key, GgufValue.array(et, emptyOf(et))));
                    variant(key + " one element shorter", w -> w.put(key, GgufValue.array(et, shorter(w.metadata().get(key)))));
                    variant(key + " as a scalar", w -> w.putU32(key, 1));
                    variant(key + " as an array of floats", w -> w.put(key, GgufValue.array(GgufValueType.FLOAT32, new float[w.metadata().get(key).length()])));
                }
                default -> variant(key + " as an integer", w -> w.putU32(key, 1));
            }
        }
        summary();
    }

    @Test
    void everyHeaderFieldMutatedIsRefusedInOneLineOrEmbedsValidVectors() throws Exception {
        byte[] base = Files.readAllBytes(MODEL);
        ByteBuffer b = ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN);
        long tensors = b.getLong(8), kvs = b.getLong(16);
        for (int version : new int[] {0, 1, 2, 4, -1}) bytes("version = " + version, base, 4, 4, version);
        for (long n : new long[] {0, tensors - 1, tensors + 1, 1L << 31, 1L << 40, Long.MAX_VALUE, -1})
            bytes("tensor_count = " + n, base, 8, 8, n);
        for (long n : new long[] {0, kvs - 1, kvs + 1, 1L << 31, 1L << 40, Long.MAX_VALUE, -1})
            bytes("metadata_kv_count = " + n, base, 16, 8, n);
        bytes("magic", base, 0, 4, 0x46554746);
        summary();
    }

    private void summary() {
        assertEquals(List.of(), outcomes, variants + " variants, " + refused + " refused");
        assertTrue(refused > 0 && variants > refused, variants + " variants, " + refused + " refused: both outcomes must occur");
    }

    private void variant(String what, Consumer<GgufWriter> edit) throws Exception {
        Path p = dir.resolve("variant.gguf");
        try (GgufFile f = GgufFile.open(MODEL)) {
            GgufWriter w = GgufWriter.copyOf(f);
            edit.accept(w);
            w.write(p);
        }
        run(what, p);
    }

    private void bytes(String what, byte[] base, int offset, int width, long value) throws Exception {
        byte[] b = base.clone();
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (width == 4) bb.putInt(offset, (int) value);
        else bb.putLong(offset, value);
        Path p = Files.write(dir.resolve("variant.gguf"), b);
        run(what, p);
    }

    /** Runs {@code egemma embed} on {@code model} and records what is wrong with the outcome, if anything. */
    private void run(String what, Path model) {
        variants++;
        resetHeapPeaks();
        CliTestSupport.Result r;
        try {
            r = assertTimeoutPreemptively(BOUND, () -> CliTestSupport.run("embed", "-m", model.toString(), "--threads", "1", "hello world"));
        } catch (Throwable t) {
            outcomes.add(what + ": " + t);
            return;
        }
        long heap = heapPeak();
        if (heap > HEAP_BOUND) outcomes.add(what + ": heap peaked at " + (heap >> 20) + " MiB");
        String err = r.err().strip();
        if (r.exit() == 1) {
            refused++;
            if (err.contains("\n") || !err.startsWith("egemma embed: ") || err.contains("internal error") || !r.out().isEmpty())
                outcomes.add(what + ": not one line: " + r.err());
            return;
        }
        if (r.exit() != 0) {
            outcomes.add(what + ": exit " + r.exit() + ": " + r.err());
            return;
        }
        try {
            JsonNode e = new ObjectMapper().readTree(r.out()).get("embedding");
            double sum = 0;
            for (JsonNode x : e) {
                if (!x.isNumber() || !Double.isFinite(x.asDouble())) throw new IllegalStateException("non-finite value " + x);
                sum += x.asDouble() * x.asDouble();
            }
            if (e.isEmpty() || Math.abs(Math.sqrt(sum) - 1) > 1e-3) throw new IllegalStateException("norm " + Math.sqrt(sum) + " of " + e.size() + " values");
        } catch (Exception ex) {
            outcomes.add(what + ": exit 0 with invalid output (" + ex.getMessage() + "): " + abbreviate(r.out()));
        }
    }

    private static void resetHeapPeaks() {
        System.gc();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) p.resetPeakUsage();
    }

    /** The sum of the heap pools' peaks since the reset: an upper bound of the heap the variant held at once. */
    private static long heapPeak() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) sum += p.getPeakUsage().getUsed();
        return sum;
    }

    private static Object emptyOf(GgufValueType et) {
        return switch (et) {
            case STRING -> new String[0];
            case FLOAT32 -> new float[0];
            case INT32, UINT32 -> new int[0];
            case BOOL -> new boolean[0];
            default -> new long[0];
        };
    }

    private static Object shorter(GgufValue v) {
        Object a = v.value();
        int n = Math.max(0, java.lang.reflect.Array.getLength(a) - 1);
        Object out = java.lang.reflect.Array.newInstance(a.getClass().getComponentType(), n);
        System.arraycopy(a, 0, out, 0, n);
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...(" + s.length() + " chars)";
    }
}
