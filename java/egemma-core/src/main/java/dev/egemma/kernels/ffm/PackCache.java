// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import dev.egemma.cache.CacheFiles;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The packed copies of one model file's matrices, kept on disk so that the next process maps them instead of packing
 * again (packing the full-shape Q8_0 model is ~0.25 s of a cold start, the K-quants' unpacking in Java several times
 * that). One file per model file and packed layout, under {@code ~/.cache/egemma/packs} ({@code -Degemma.packCache=DIR}
 * elsewhere, {@code =off} never).
 *
 * <p>Never trusted: the file is named by a hash of its key (the model's real path, size, modification time and file
 * key; libegemma's version, ABI and library file), and the key is stored inside and compared in full,
 * so a modified model or another library gets another file. Every offset and size is checked against the file before
 * a slice is made, an entry's sizes must be those the kernels expect for its matrix, and its CRC32C is checked before
 * its first use; an entry that fails any check is packed again, and the file rewritten. Files are written beside
 * their final name and moved into place atomically: a concurrent first open of the same model by two processes
 * writes twice, and either file is whole.
 *
 * <p>Layout (little-endian): magic "EGPK", version u32, key length u32 + key (UTF-8), entry count u32, then per
 * entry: name length u16 + name (UTF-8), data offset u64, data bytes u64, mins offset u64, mins bytes u64, CRC32C u32
 * of data then mins, CRC32C u32 of the source tensor's samples ({@link #sourceSample}); the blobs follow, each at a
 * multiple of 64.
 */
final class PackCache {
    /** The logger, made when something is logged: System.getLogger takes ~12 ms in a cold JVM, and most opens log nothing. */
    private static final class Log {
        static final System.Logger LOG = System.getLogger(PackCache.class.getName());
    }
    static final String PROP = "egemma.packCache";
    static final int MAGIC = 'E' | 'G' << 8 | 'P' << 16 | 'K' << 24;
    static final int VERSION = 2;
    private static final int ALIGN = 64;
    private static final int MAX_ENTRIES = 1 << 16, MAX_NAME = 1 << 10, MAX_KEY = 1 << 16;

    /** One matrix's packed bytes in the file, and a checksum of samples of the tensor it was packed from. */
    record Entry(long dataOffset, long dataBytes, long minsOffset, long minsBytes, int crc, int source) {}

    /** A matrix to store: its packed copy and {@link #sourceSample} of its tensor. */
    record Stored(NativeKernels.Packed packed, int source) {}

    private final Path file;
    private final String key;
    private final String modelPrefix; // file names of this model (any key) start with it: older ones are removed
    private MemorySegment mapped; // null: no usable file (absent, stale, corrupt)
    private Map<String, Entry> entries = Map.of();
    private boolean damaged; // an entry failed its check: rewrite when everything is packed

    private PackCache(Path file, String key, String modelPrefix) {
        this.file = file;
        this.key = key;
        this.modelPrefix = modelPrefix;
    }

    /**
     * The cache of {@code model} for kernels of {@code layout} (what decides the packed bytes), its file read if it
     * is there and matches; null when the cache is off or the model has no identity to key it by.
     */
    static PackCache open(Path model, String layout) {
        Path dir = CacheFiles.dir(PROP, "packs");
        if (dir == null) return null;
        String key;
        Path real;
        try {
            real = model.toRealPath();
            key = "egemma pack cache v" + VERSION + "; " + layout + "; " + CacheFiles.modelIdentity(real);
        } catch (IOException | RuntimeException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "no pack cache for " + model + ": " + e);
            return null;
        }
        String prefix = CacheFiles.hash(real.toString());
        PackCache c = new PackCache(dir.resolve(prefix + "-" + CacheFiles.hash(key) + ".pack"), key, prefix);
        c.read();
        return c;
    }

    Path file() {
        return file;
    }

    /** Whether a file matching the key was read (its entries may still fail their checks). */
    boolean loaded() {
        return mapped != null;
    }

    private void read() {
        if (!Files.isRegularFile(file)) return;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.ofAuto());
            entries = parse(m.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN), m.byteSize());
            mapped = m;
        } catch (IOException | RuntimeException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "pack cache " + file + " not used (it is rewritten): " + e.getMessage());
            entries = Map.of();
            damaged = true;
        }
    }

    /** The entries of a file whose header holds this cache's key; throws for anything out of bounds or inconsistent. */
    private Map<String, Entry> parse(ByteBuffer b, long size) {
        if (size < 16 || b.getInt(0) != MAGIC) throw new IllegalStateException("not a pack cache");
        if (b.getInt(4) != VERSION) throw new IllegalStateException("version " + b.getInt(4));
        b.position(8);
        String k = string(b, b.getInt(), MAX_KEY);
        if (!k.equals(key)) throw new IllegalStateException("another key (the model or libegemma changed)");
        int n = b.getInt();
        if (n < 0 || n > MAX_ENTRIES) throw new IllegalStateException("entry count " + n);
        Map<String, Entry> out = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String name = string(b, Short.toUnsignedInt(b.getShort()), MAX_NAME);
            Entry e = new Entry(b.getLong(), b.getLong(), b.getLong(), b.getLong(), b.getInt(), b.getInt());
            if (!within(e.dataOffset, e.dataBytes, b.position(), size) || !within(e.minsOffset, e.minsBytes, b.position(), size)
                    || e.dataOffset % ALIGN != 0 || e.minsOffset % ALIGN != 0 || out.put(name, e) != null)
                throw new IllegalStateException("entry " + name + " out of bounds or repeated");
        }
        return out;
    }

    /** {@code [off, off + len)} lies after the header and inside the file. */
    private static boolean within(long off, long len, long headerEnd, long size) {
        return off >= headerEnd && len >= 0 && off <= size && len <= size - off;
    }

    private static String string(ByteBuffer b, int len, int max) {
        if (len < 0 || len > max || len > b.remaining()) throw new IllegalStateException("string of " + len + " bytes");
        byte[] s = new byte[len];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    /**
     * The packed copy of matrix {@code name} if the file holds one of exactly these sizes whose checksum holds;
     * null otherwise (the caller packs it, and the file will be rewritten).
     */
    synchronized NativeKernels.Packed lookup(String name, long dataBytes, long minsBytes, int source) {
        Entry e = entries.get(name);
        if (mapped == null || e == null) return null;
        if (e.dataBytes != dataBytes || e.minsBytes != minsBytes || e.source != source) {
            damaged = true;
            return null;
        }
        MemorySegment data = mapped.asSlice(e.dataOffset, e.dataBytes, ALIGN);
        MemorySegment mins = minsBytes == 0 ? null : mapped.asSlice(e.minsOffset, e.minsBytes, ALIGN);
        if (crc(data, mins) != e.crc) {
            Log.LOG.log(System.Logger.Level.DEBUG, "pack cache " + file + ": " + name + " fails its checksum; packing it again");
            damaged = true;
            return null;
        }
        return new NativeKernels.Packed(data, mins);
    }

    /** Whether {@link #store} should run once everything is packed: no usable file, or one with a bad entry. */
    synchronized boolean needsStore() {
        return mapped == null || damaged;
    }

    /**
     * Writes every packed matrix (name order) to a new file and moves it over this model's older ones. Failures are
     * logged, never thrown: a read-only home or a full disk only costs the next start its packing.
     */
    void store(Map<String, Stored> packs) {
        try {
            List<String> names = packs.keySet().stream().sorted().toList();
            byte[] k = key.getBytes(StandardCharsets.UTF_8);
            long headerBytes = 16L + k.length;
            for (String name : names) headerBytes += 2 + name.getBytes(StandardCharsets.UTF_8).length + 40;
            long header = headerBytes;
            ByteBuffer h = ByteBuffer.allocate((int) header).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(MAGIC).putInt(VERSION).putInt(k.length).put(k).putInt(names.size());
            long off = align(header);
            for (String name : names) {
                NativeKernels.Packed p = packs.get(name).packed();
                byte[] nb = name.getBytes(StandardCharsets.UTF_8);
                long dataOff = off, minsOff = align(dataOff + p.data().byteSize());
                long minsBytes = p.mins() == null ? 0 : p.mins().byteSize();
                h.putShort((short) nb.length).put(nb).putLong(dataOff).putLong(p.data().byteSize()).putLong(minsOff).putLong(minsBytes)
                        .putInt(crc(p.data(), p.mins())).putInt(packs.get(name).source());
                off = align(minsOff + minsBytes);
            }
            CacheFiles.writeAtomically(file, modelPrefix + "-*.pack", ch -> {
                writeAt(ch, h.flip(), 0);
                long at = align(header);
                for (String name : names) {
                    NativeKernels.Packed p = packs.get(name).packed();
                    writeAt(ch, p.data().asByteBuffer(), at);
                    at = align(at + p.data().byteSize());
                    if (p.mins() != null) writeAt(ch, p.mins().asByteBuffer(), at);
                    at = align(at + (p.mins() == null ? 0 : p.mins().byteSize()));
                }
            });
        } catch (IOException | RuntimeException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "could not write the pack cache " + file + ": " + e);
        }
    }

    private static void writeAt(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) pos += ch.write(b, pos);
    }

    private static long align(long x) {
        return (x + ALIGN - 1) / ALIGN * ALIGN;
    }

    /**
     * A checksum of a tensor's first and last 4 KiB: the key names the model file by path, size, modification time and
     * file key, and this catches what those miss (a file rewritten in place within one timestamp tick with other
     * weights of the same size), at the cost of reading two pages per matrix.
     */
    static int sourceSample(MemorySegment tensor) {
        long n = tensor.byteSize(), k = Math.min(4096, n);
        CRC32C c = new CRC32C();
        c.update(tensor.asSlice(0, k).asByteBuffer());
        c.update(tensor.asSlice(n - k, k).asByteBuffer());
        return (int) c.getValue();
    }

    private static int crc(MemorySegment data, MemorySegment mins) {
        CRC32C c = new CRC32C();
        c.update(data.asByteBuffer());
        if (mins != null) c.update(mins.asByteBuffer());
        return (int) c.getValue();
    }

}
