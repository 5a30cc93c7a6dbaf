package dev.egemma.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Seeded fuzzing: mutated and truncated variants of a small valid GGUF. Whatever the bytes, the reader
 * either returns a usable file or throws {@link GgufFormatException}; it never hangs and never allocates
 * much more than the file's own size.
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
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        SplittableRandom rnd = new SplittableRandom(20251123);
        int parsed = 0, rejected = 0;
        for (int v = 0; v < VARIANTS; v++) {
            byte[] b = mutate(seed, rnd);
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
        assertEquals(VARIANTS, parsed + rejected);
        assertTrue(rejected > VARIANTS / 4 && parsed > VARIANTS / 50, "parsed " + parsed + ", rejected " + rejected);
    }

    /** Uses everything a successfully parsed file offers: values, strings, tensor data. */
    private static void exercise(GgufFile f) {
        for (GgufValue v : f.metadata().values()) {
            assertNotNull(v.value());
            assertTrue(v.length() >= 0);
            v.toString();
        }
        for (GgufTensor t : f.tensors().values()) {
            assertEquals(t.type().byteSize(t.elementCount()), t.data().byteSize());
            if (Dequantizer.supports(t.type()) && t.elementCount() <= 1 << 16) {
                assertEquals(t.elementCount(), Dequantizer.all(t).length);
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
