// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import dev.egemma.tokenizer.Tokenizer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Seeded fuzzing, as for the GGUF reader: mutated and truncated variants of a small valid EMB8 file. Whatever
 * the bytes, the reader either returns a file whose every part can be used (rows, projection, embeddings) or
 * throws {@link Emb8FormatException}; nothing else escapes, whichever layout the seed has.
 */
class Emb8FuzzTest {
    private static final int VARIANTS = 50_000;
    private static final long[] INTERESTING = {0, 1, 2, 3, 4, 5, 7, 8, 16, 31, 32, 33, 255, 256, 0x7fff, 0xffff, 1 << 20, (1 << 20) + 1,
            0x7fffffffL, 0x80000000L, 0xffffffffL, 0x7fc00000L /* NaN */, 0x7f800000L /* inf */, 0xbf800000L /* -1f */, -1L};

    @TempDir
    Path dir;

    /**
     * Each layout as the seed: version 2; version 1, the original layout, opened with its tokenizer given beside it;
     * and the legacy file (version 2's layout numbered 1), whose detection depends on the length and on the bytes
     * where its tokenizer starts.
     */
    @ParameterizedTest
    @ValueSource(strings = {"V2", "V1_ORIGINAL", "V1_EGEMMA_LEGACY"})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void onlyFormatExceptionsEscape(Emb8Format format) throws Exception {
        byte[] seed = format == Emb8Format.V1_ORIGINAL ? TinyEmb8.v1Bytes(dir) : TinyEmb8.bytes(dir);
        if (format == Emb8Format.V1_EGEMMA_LEGACY) seed[4] = 1;
        Tokenizer given = format == Emb8Format.V1_ORIGINAL ? TinyEmb8.tokenizer() : null;
        assertEquals(format, Emb8File.parse("seed", MemorySegment.ofArray(seed), given).format());
        SplittableRandom rnd = new SplittableRandom(20261123L + format.ordinal());
        int parsed = 0, rejected = 0;
        for (int v = 0; v < VARIANTS; v++) {
            byte[] b = mutate(seed, rnd);
            try (Emb8File f = Emb8File.parse("variant-" + v, MemorySegment.ofArray(b), given)) {
                exercise(f);
                parsed++;
            } catch (Emb8FormatException e) {
                assertTrue(e.getMessage().startsWith("variant-" + v + ": at byte "), e.getMessage());
                rejected++;
            } catch (Throwable t) {
                fail("variant " + v + " (" + b.length + " bytes) threw " + t, t);
            }
        }
        assertEquals(VARIANTS, parsed + rejected);
        assertTrue(rejected > VARIANTS / 4 && parsed > VARIANTS / 50, "parsed " + parsed + ", rejected " + rejected);
    }

    private static void exercise(Emb8File f) {
        for (int t = 0; t < f.vocabSize(); t++) for (float x : f.row(t)) assertTrue(Float.isFinite(x));
        assertEquals(f.originalDim(), f.mean().length);
        if (f.hasComponents()) {
            assertEquals(f.embedDim(), f.components().length);
            for (float x : f.project(new float[f.originalDim()])) assertTrue(Float.isFinite(x));
        }
        StaticEmbedder e = StaticEmbedder.of(f);
        for (String s : new String[] {"", "Hello a", "a a\u2581<bos>", "\uD800x"}) {
            float[] v = e.embed(s);
            assertEquals(f.embedDim(), v.length);
            for (float x : v) assertTrue(Float.isFinite(x), s);
        }
    }

    private static byte[] mutate(byte[] seed, SplittableRandom r) {
        byte[] b = seed.clone();
        int kind = r.nextInt(10);
        if (kind == 0) return Arrays.copyOf(b, r.nextInt(b.length)); // truncation only
        int edits = 1 + r.nextInt(r.nextBoolean() ? 2 : 6);
        for (int i = 0; i < edits; i++) {
            // half the edits hit the header and tables, where the sizes live
            int at = r.nextBoolean() ? r.nextInt(Math.min(b.length, 160)) : r.nextInt(b.length);
            switch (r.nextInt(4)) {
                case 0 -> b[at] = (byte) r.nextInt(256);
                case 1 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 2 -> {
                    long val = INTERESTING[r.nextInt(INTERESTING.length)];
                    at = Math.min(at & ~3, b.length - 4);
                    for (int k = 0; k < 4; k++) b[at + k] = (byte) (val >>> (8 * k));
                }
                default -> b[at] = (byte) (r.nextBoolean() ? 0 : 0xff);
            }
        }
        if (kind == 1) b = Arrays.copyOf(b, r.nextInt(b.length + 1));
        if (kind == 2) b = Arrays.copyOf(b, b.length + 1 + r.nextInt(64)); // trailing bytes
        return b;
    }
}
