// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Seeded fuzzing: mutated and truncated variants of a small valid GGUF, and type ids, shapes and block bytes
 * rewritten in one holding a tensor of each quantized type. Whatever the bytes, the reader either returns a
 * usable file (tensors of unknown type listed, every other one dequantized where supported) or throws
 * {@link GgufFormatException}; it never hangs and never allocates much more than the file's own size.
 */
class GgufFuzzTest {
    private static final int VARIANTS = 100_000;
    private static final long[] INTERESTING = {0, 1, 2, 3, 4, 7, 8, 9, 12, 13, 31, 32, 33, 63, 64, 255, 256, 0x7fff, 0xffff,
            0x7fffffffL, 0x80000000L, 0xffffffffL, 1L << 32, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE, -1L, -2L};

    @TempDir
    Path dir;

    private byte[] seedFile() throws Exception {
        Path p = dir.resolve("seed.gguf");
        new GgufWriter()
                .putString("general.architecture", "gemma-embedding")
                .putU32("gemma-embedding.embedding_length", 32)
                .putF32("gemma-embedding.attention.layer_norm_rms_epsilon", 1e-6f)
                .putBool("tokenizer.ggml.add_space_prefix", false)
                .putArray("tokenizer.ggml.tokens", GgufValueType.STRING, new String[] {"<pad>", "<eos>", "▁Hello", "a"})
                .putArray("tokenizer.ggml.scores", GgufValueType.FLOAT32, new float[] {0, 0, -1.5f, -2})
                .putArray("tokenizer.ggml.token_type", GgufValueType.INT32, new int[] {3, 3, 1, 1})
                .put("nested", GgufValue.array(GgufValueType.ARRAY, new GgufValue[] {GgufValue.array(GgufValueType.UINT16, new short[] {1, 2})}))
                .tensor("token_embd.weight", GgmlType.Q8_0, new long[] {32, 4}, ramp(128))
                .tensor("output_norm.weight", GgmlType.F32, new long[] {32}, ramp(32))
                .tensor("blk.0.attn_q.weight", GgmlType.F16, new long[] {32, 2}, ramp(64))
                .tensor("blk.0.attn_k.weight", GgmlType.BF16, new long[] {32, 1}, ramp(32))
                .write(p);
        return Files.readAllBytes(p);
    }

    private static float[] ramp(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (i - n / 2) / 7f;
        return x;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void onlyFormatExceptionsEscape() throws Exception {
        byte[] seed = seedFile();
        try (GgufFile f = GgufFile.parse("seed", MemorySegment.ofArray(seed))) {
            assertEquals(4, f.tensors().size()); // the seed itself is valid
        }
        int[] counts = fuzz(seed, VARIANTS, new SplittableRandom(20251123), GgufFuzzTest::mutate);
        assertTrue(counts[1] > VARIANTS / 4 && counts[0] > VARIANTS / 50, "parsed " + counts[0] + ", rejected " + counts[1]);
    }

    /** Quantized types of the second seed, one tensor each (two rows of one or two blocks). */
    private static final GgmlType[] QUANTIZED = {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q2_K,
            GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_NL, GgmlType.IQ4_XS, GgmlType.IQ2_XXS, GgmlType.TQ1_0};
    /** Type ids the type mutation writes: every id up to past GGML_TYPE_COUNT, and far-off ones. */
    private static final int[] TYPE_IDS = java.util.stream.IntStream.concat(java.util.stream.IntStream.rangeClosed(0, 45),
            java.util.stream.IntStream.of(-1, 63, 64, 99, 255, 0x10000, Integer.MAX_VALUE, Integer.MIN_VALUE)).toArray();

    /** Where a tensor's info fields lie in the seed: ne[0..] then the type id (then the offset). */
    private record InfoAt(int ne, int dims, int type) {}

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void quantizedTypeIdsShapesAndBlocksNeverCrash() throws Exception {
        SplittableRandom rnd = new SplittableRandom(24);
        GgufWriter w = new GgufWriter().putString("general.architecture", "gemma-embedding");
        for (GgmlType t : QUANTIZED) {
            byte[] data = new byte[2 * (t.blockSize == 256 ? 1 : 2) * t.typeSize];
            rnd.nextBytes(data);
            w.tensor(t.name().toLowerCase() + ".weight", t, new long[] {t.blockSize == 256 ? 256 : 64, 2}, MemorySegment.ofArray(data));
        }
        w.tensor("unknown.weight", GgmlType.F32, new long[] {8}, ramp(8));
        Path p = dir.resolve("quantized.gguf");
        w.write(p);
        byte[] seed = Files.readAllBytes(p);
        List<InfoAt> infos = new ArrayList<>();
        try (GgufFile f = GgufFile.parse("seed", MemorySegment.ofArray(seed))) {
            for (GgufTensor t : f.tensors().values()) infos.add(locate(seed, t));
        }
        InfoAt unknown = infos.getLast();
        putLE(seed, unknown.type, 99, 4); // ggml has no type 99: listed, data unreadable
        try (GgufFile f = GgufFile.parse("seed", MemorySegment.ofArray(seed))) {
            assertFalse(f.tensor("unknown.weight").hasKnownType());
            exercise(f);
        }
        int dataFrom = infos.getLast().type + 12; // past the last tensor info: alignment padding, then the blocks
        int[] counts = fuzz(seed, 20_000, new SplittableRandom(2024), (b, r) -> mutateTensors(b, r, infos, dataFrom));
        assertTrue(counts[0] > 20_000 / 4 && counts[1] > 20_000 / 50, "parsed " + counts[0] + ", rejected " + counts[1]);
    }

    /** Finds tensor {@code t}'s info in the seed by its length-prefixed name. */
    private static InfoAt locate(byte[] seed, GgufTensor t) {
        byte[] name = t.name().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] key = new byte[8 + name.length];
        key[0] = (byte) name.length;
        System.arraycopy(name, 0, key, 8, name.length);
        for (int at = 0; at + key.length <= seed.length; at++) {
            if (Arrays.equals(seed, at, at + key.length, key, 0, key.length)) {
                int ne = at + key.length + 4;
                return new InfoAt(ne, t.shape().length, ne + 8 * t.shape().length);
            }
        }
        throw new AssertionError(t.name() + " not found in the seed");
    }

    /** Rewrites type ids, shapes and block bytes of the quantized seed: what a damaged or newer file would hold. */
    private static byte[] mutateTensors(byte[] seed, SplittableRandom r, List<InfoAt> infos, int dataFrom) {
        byte[] b = seed.clone();
        int edits = 1 + r.nextInt(4);
        for (int i = 0; i < edits; i++) {
            InfoAt t = infos.get(r.nextInt(infos.size()));
            switch (r.nextInt(4)) {
                case 0 -> putLE(b, t.type, TYPE_IDS[r.nextInt(TYPE_IDS.length)], 4);
                case 1 -> putLE(b, t.ne + 8 * r.nextInt(t.dims), r.nextBoolean() ? INTERESTING[r.nextInt(INTERESTING.length)] : 32L * r.nextInt(1, 17), 8);
                case 2 -> { // a run of block bytes: random, all zero or all ones (scales 0 / 63, fp16 NaN)
                    int at = dataFrom + r.nextInt(b.length - dataFrom), n = Math.min(1 + r.nextInt(16), b.length - at);
                    int fill = r.nextInt(3);
                    for (int k = 0; k < n; k++) b[at + k] = fill == 0 ? (byte) r.nextInt(256) : fill == 1 ? 0 : (byte) 0xff;
                }
                default -> b[dataFrom + r.nextInt(b.length - dataFrom)] ^= (byte) (1 << r.nextInt(8));
            }
        }
        return b;
    }

    private static void putLE(byte[] b, int at, long v, int width) {
        for (int k = 0; k < width; k++) b[at + k] = (byte) (v >>> (8 * k));
    }

    /**
     * Parses {@code variants} mutations of {@code seed}: each either parses, and then {@link #exercise} uses all of it,
     * or is rejected with a GgufFormatException naming it; anything else fails. Returns {parsed, rejected}.
     */
    private static int[] fuzz(byte[] seed, int variants, SplittableRandom rnd, java.util.function.BiFunction<byte[], SplittableRandom, byte[]> mutator) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        int parsed = 0, rejected = 0;
        for (int v = 0; v < variants; v++) {
            byte[] b = mutator.apply(seed, rnd);
            long before = mx.getThreadAllocatedBytes(tid);
            try (GgufFile f = GgufFile.parse("variant-" + v, MemorySegment.ofArray(b))) {
                exercise(f);
                parsed++;
            } catch (GgufFormatException e) {
                assertTrue(e.getMessage().startsWith("variant-" + v + ": "), e.getMessage());
                rejected++;
            } catch (Throwable t) {
                fail("variant " + v + " (" + b.length + " bytes) threw " + t, t);
            }
            long allocated = mx.getThreadAllocatedBytes(tid) - before;
            assertTrue(allocated < 64L * b.length + (1 << 20), "variant " + v + " allocated " + allocated + " bytes for a " + b.length + "-byte file");
        }
        assertEquals(variants, parsed + rejected);
        return new int[] {parsed, rejected};
    }

    /** Uses everything a successfully parsed file offers: values, strings, tensor data. */
    private static void exercise(GgufFile f) {
        for (GgufValue v : f.metadata().values()) {
            assertNotNull(v.value());
            assertTrue(v.length() >= 0);
            v.toString();
        }
        for (GgufTensor t : f.tensors().values()) {
            t.toString();
            if (!t.hasKnownType()) {
                assertNull(GgmlType.byId(t.typeId()));
                Exception e = assertThrows(UnsupportedOperationException.class, t::data);
                assertTrue(e.getMessage().contains(t.name()) && e.getMessage().contains(Integer.toString(t.typeId())), e.getMessage());
                continue;
            }
            assertEquals(t.type().byteSize(t.elementCount()), t.data().byteSize());
            if (Dequantizer.supports(t.type()) && t.elementCount() <= 1 << 16) {
                assertEquals(t.elementCount(), Dequantizer.all(t).length);
                assertEquals(t.rowLength(), Dequantizer.row(t, t.rows() - 1).length);
            } else if (!Dequantizer.supports(t.type())) {
                assertThrows(UnsupportedOperationException.class, () -> Dequantizer.all(t));
            }
        }
    }

    private static byte[] mutate(byte[] seed, SplittableRandom r) {
        byte[] b = seed.clone();
        int kind = r.nextInt(10);
        if (kind == 0) return Arrays.copyOf(b, r.nextInt(b.length)); // truncation only
        int edits = 1 + r.nextInt(r.nextBoolean() ? 2 : 8);
        for (int i = 0; i < edits; i++) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(4)) {
                case 0 -> b[at] = (byte) r.nextInt(256);
                case 1 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 2 -> { // an interesting u32 or u64 at an aligned-looking position
                    long val = INTERESTING[r.nextInt(INTERESTING.length)];
                    int width = r.nextBoolean() ? 4 : 8;
                    at = Math.min(at & ~3, b.length - width);
                    for (int k = 0; k < width; k++) b[at + k] = (byte) (val >>> (8 * k));
                }
                default -> b[at] = (byte) (r.nextBoolean() ? 0 : 0xff);
            }
        }
        if (kind == 1) b = Arrays.copyOf(b, r.nextInt(b.length + 1));
        return b;
    }
}
