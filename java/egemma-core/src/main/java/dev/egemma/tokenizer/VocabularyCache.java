// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

import dev.egemma.cache.CacheFiles;
import dev.egemma.gguf.GgufStringArray;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The tokenizer's built vocabulary index kept on disk, one file per model file: building it from the GGUF's 262,144
 * token texts (decoding, hashing, inserting) is ~60 ms of a cold open even when compiled, reading it back a few. Under
 * {@code ~/.cache/egemma/vocab} ({@code -Degemma.vocabCache=DIR} elsewhere, {@code =off} never).
 *
 * <p>Never trusted: the file is named by hashes of the model's real path and of its key (path, size, modification time,
 * file key), the key is stored inside and compared in full, and it must have been built from exactly the token bytes
 * of the open file (their length and CRC32C, so a file rewritten in place under the same key is caught too); its
 * payload has a CRC32C, every count is checked against the file's length before an array is made, and what is cheap to
 * check of the arrays is checked again ({@link Vocabulary#restore}). A file that fails is ignored and rewritten. Files
 * are written beside their final name and moved into place ({@link CacheFiles#writeAtomically}), never changed in
 * place, so a reader has one whole file.
 *
 * <p>Layout (little-endian): magic "EGVC", version u32, key length u32 + key (UTF-8), source bytes u64, source CRC32C
 * u32, token count u32, pool chars u32, slot count u32, longest text u32, bridging count i32 (-1: too many to check)
 * + that many ids u32, payload CRC32C u32; the payload: pool (u16 chars), offsets (count + 1 u32), slots (u32).
 */
final class VocabularyCache {
    /** The logger, made when something is logged: System.getLogger takes ~12 ms in a cold JVM, and most opens log nothing. */
    private static final class Log {
        static final System.Logger LOG = System.getLogger(VocabularyCache.class.getName());
    }
    static final String PROP = "egemma.vocabCache";
    static final int MAGIC = 'E' | 'G' << 8 | 'V' << 16 | 'C' << 24;
    static final int VERSION = 1;
    private static final int MAX_KEY = 1 << 16;

    private final Path file;
    private final String key;
    private final String modelPrefix;

    private VocabularyCache(Path file, String key, String modelPrefix) {
        this.file = file;
        this.key = key;
        this.modelPrefix = modelPrefix;
    }

    /** The cache of {@code model}; null when the cache is off or the model has no identity to key it by. */
    static VocabularyCache of(Path model) {
        Path dir = CacheFiles.dir(PROP, "vocab");
        if (dir == null) return null;
        try {
            Path real = model.toRealPath();
            String key = "egemma vocabulary cache v".concat(Integer.toString(VERSION)).concat("; ").concat(CacheFiles.modelIdentity(real)); // concat: see modelIdentity
            String prefix = CacheFiles.hash(real.toString());
            return new VocabularyCache(dir.resolve(prefix.concat("-").concat(CacheFiles.hash(key)).concat(".vocab")), key, prefix);
        } catch (IOException | RuntimeException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "no vocabulary cache for " + model + ": " + e);
            return null;
        }
    }

    Path file() {
        return file;
    }

    /**
     * The vocabulary of {@code tokens}: read from the file when it holds this key and was built from exactly these
     * bytes, else built and the file (re)written. Writing failures only cost the next open the build.
     */
    Vocabulary vocabulary(GgufStringArray tokens) {
        MemorySegment source = tokens.encoded();
        long sourceBytes = source.byteSize();
        int sourceCrc = crc(source.asByteBuffer());
        Vocabulary v = read(tokens.size(), sourceBytes, sourceCrc);
        if (v != null) return v;
        v = Vocabulary.fromUtf8(tokens);
        write(v.parts(), sourceBytes, sourceCrc);
        return v;
    }

    /** The stored vocabulary, or null when there is none or it fails any check. */
    Vocabulary read(int tokens, long sourceBytes, int sourceCrc) {
        // Mapped, not read: FileChannel.read into the heap goes through a temporary direct buffer as large as the file
        // (~20 ms of a cold open for 6 MB); the arrays are copied out and the mapping closed before this returns.
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE - 16) throw new IllegalStateException("a file of " + size + " bytes");
            ByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            return parse(b, tokens, sourceBytes, sourceCrc);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "vocabulary cache " + file + " not used (it is rewritten): " + e);
            return null;
        }
    }

    private Vocabulary parse(ByteBuffer b, int tokens, long sourceBytes, int sourceCrc) {
        if (b.remaining() < 12 || b.getInt() != MAGIC) throw new IllegalStateException("not a vocabulary cache");
        if (b.getInt() != VERSION) throw new IllegalStateException("another version");
        int keyLength = b.getInt();
        if (keyLength < 0 || keyLength > MAX_KEY || keyLength > b.remaining()) throw new IllegalStateException("key of " + keyLength + " bytes");
        byte[] k = new byte[keyLength];
        b.get(k);
        if (!new String(k, StandardCharsets.UTF_8).equals(key)) throw new IllegalStateException("another key (the model changed)");
        if (b.remaining() < 32) throw new IllegalStateException("truncated header");
        if (b.getLong() != sourceBytes || b.getInt() != sourceCrc || b.getInt() != tokens)
            throw new IllegalStateException("built from other token texts");
        long used = Integer.toUnsignedLong(b.getInt()), slots = Integer.toUnsignedLong(b.getInt());
        int maxLength = b.getInt(), bridges = b.getInt();
        if (bridges < -1 || bridges > b.remaining() / 4) throw new IllegalStateException("bridging count " + bridges);
        int[] bridgeIds = null;
        if (bridges >= 0) {
            bridgeIds = new int[bridges];
            b.asIntBuffer().get(bridgeIds);
            b.position(b.position() + 4 * bridges);
        }
        if (b.remaining() < 4) throw new IllegalStateException("truncated header");
        int payloadCrc = b.getInt();
        long payload = 2 * used + 4 * (tokens + 1L) + 4 * slots;
        if (payload != b.remaining()) throw new IllegalStateException("payload of " + b.remaining() + " bytes, expected " + payload);
        if (crc(b.duplicate()) != payloadCrc) throw new IllegalStateException("the payload fails its checksum");
        char[] pool = new char[(int) used];
        int[] offsets = new int[tokens + 1], slotArray = new int[(int) slots];
        b.asCharBuffer().get(pool);
        b.position(b.position() + 2 * pool.length);
        b.asIntBuffer().get(offsets);
        b.position(b.position() + 4 * offsets.length);
        b.asIntBuffer().get(slotArray);
        return Vocabulary.restore(new Vocabulary.Parts(tokens, pool, pool.length, offsets, slotArray, maxLength, bridgeIds));
    }

    /** Writes the file for {@code p}; failures are logged, never thrown. */
    void write(Vocabulary.Parts p, long sourceBytes, int sourceCrc) {
        try {
            byte[] k = key.getBytes(StandardCharsets.UTF_8);
            int bridges = p.bridgeIds() == null ? 0 : p.bridgeIds().length;
            long bytes = 2L * p.used() + 4L * p.offsets().length + 4L * p.slots().length;
            if (bytes > Integer.MAX_VALUE - 16) throw new IllegalStateException("a vocabulary of " + bytes + " bytes is not cached");
            ByteBuffer payload = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
            payload.asCharBuffer().put(p.pool(), 0, p.used());
            payload.position(2 * p.used());
            payload.asIntBuffer().put(p.offsets());
            payload.position(payload.position() + 4 * p.offsets().length);
            payload.asIntBuffer().put(p.slots());
            payload.clear();
            ByteBuffer h = ByteBuffer.allocate(12 + k.length + 36 + 4 * bridges).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(MAGIC).putInt(VERSION).putInt(k.length).put(k).putLong(sourceBytes).putInt(sourceCrc).putInt(p.size())
                    .putInt(p.used()).putInt(p.slots().length).putInt(p.maxLength()).putInt(p.bridgeIds() == null ? -1 : bridges);
            for (int i = 0; i < bridges; i++) h.putInt(p.bridgeIds()[i]);
            h.putInt(crc(payload.duplicate())).flip();
            CacheFiles.writeAtomically(file, modelPrefix + "-*.vocab", ch -> {
                while (h.hasRemaining()) ch.write(h);
                while (payload.hasRemaining()) ch.write(payload);
            });
        } catch (IOException | RuntimeException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "could not write the vocabulary cache " + file + ": " + e);
        }
    }

    private static int crc(ByteBuffer b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return (int) c.getValue();
    }
}
