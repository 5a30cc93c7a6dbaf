// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import dev.egemma.Embedder;
import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufTensor;
import dev.egemma.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;

/**
 * The teacher's vector of every vocabulary token as a one-token text: {@code [BOS, token, EOS]} (BOS/EOS as
 * the tokenizer adds them) through the full model, mean pooled, dense layers applied, not normalized.
 *
 * <p>The vectors go to a checkpoint file as they are computed, which is also where the PCA later reads them
 * (262,144 x 768 floats do not belong on the heap). Checkpoint layout: a 64-byte header (magic "E8CK", u32
 * version 1, u32 vocab, u32 dim, u64 model file size, u64 model fingerprint = CRC32 over the first 64 KiB of
 * every tensor) then f32 rows in token order. A run finding a checkpoint with the same header continues after
 * its last complete row; a different header is an error (delete the file to start over).
 */
final class TeacherVectors {
    private static final int MAGIC = 0x4B433845; // "E8CK"
    private static final int HEADER = 64;
    /** Token texts per call into the Embedder (it batches them by tokens inside); also the progress step. */
    static final int CHUNK = 512;

    private TeacherVectors() {}

    /** Computes (or completes) the checkpoint at {@code ckpt} and maps it as a row source. */
    static MappedRows compute(Embedder teacher, GgufFile model, Path modelPath, Path ckpt, PrintStream progress) throws IOException {
        Tokenizer tok = teacher.tokenizer();
        int vocab = tok.vocabSize();
        int dim = teacher.dimension();
        long rowBytes = 4L * dim;
        ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(MAGIC).putInt(1).putInt(vocab).putInt(dim).putLong(Files.size(modelPath)).putLong(fingerprint(model));
        header.clear();

        try (FileChannel ch = FileChannel.open(ckpt, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            int done;
            if (ch.size() == 0) {
                write(ch, header.duplicate(), 0);
                done = 0;
            } else {
                ByteBuffer h = ByteBuffer.allocate(HEADER);
                if (ch.size() < HEADER || ch.read(h, 0) != HEADER || !h.flip().equals(header.duplicate()))
                    throw new IOException(ckpt + ": checkpoint of another model, vocabulary or width; delete it to start over");
                done = (int) Math.min(vocab, (ch.size() - HEADER) / rowBytes);
                ch.truncate(HEADER + done * rowBytes); // drop a partly written row
                if (progress != null && done > 0) progress.printf("resuming from %s: %d of %d tokens already done%n", ckpt, done, vocab);
            }
            if (done < vocab) warmUp(teacher, tok, progress);
            long t0 = System.nanoTime();
            int startedAt = done;
            ByteBuffer buf = ByteBuffer.allocate((int) (CHUNK * rowBytes)).order(ByteOrder.LITTLE_ENDIAN);
            while (done < vocab) {
                int end = Math.min(vocab, done + CHUNK);
                List<int[]> seqs = new ArrayList<>(end - done);
                for (int t = done; t < end; t++) seqs.add(oneTokenText(tok, t));
                float[][] v = teacher.embedTokenLists(seqs);
                buf.clear();
                for (float[] r : v) for (float x : r) buf.putFloat(x);
                buf.flip();
                write(ch, buf, HEADER + done * rowBytes);
                done = end;
                if (progress != null) {
                    double s = (System.nanoTime() - t0) / 1e9, rate = (done - startedAt) / Math.max(s, 1e-9);
                    progress.printf(Locale.ROOT, "\rcontextual: %d/%d tokens (%.1f%%), %.0f tokens/s, eta %.0f s   ",
                            done, vocab, 100.0 * done / vocab, rate, (vocab - done) / Math.max(rate, 1e-9));
                }
            }
            if (progress != null) progress.println();
            ch.force(false);
        }
        return MappedRows.open(ckpt, HEADER, vocab, dim);
    }

    /**
     * Runs a probe batch until two runs give the same bits. The Java kernels' results depend on the JIT tier
     * (the Vector API's interpreted fallback reduces lanes in another order than the compiled intrinsic: up
     * to ~1e-4 relative on the golden models), so without this the first tokens would be computed by a colder
     * teacher than the rest, and a resumed run would differ from an uninterrupted one.
     */
    private static void warmUp(Embedder teacher, Tokenizer tok, PrintStream progress) {
        List<int[]> probe = new ArrayList<>();
        for (int t = 0; t < Math.min(CHUNK, tok.vocabSize()); t++) probe.add(oneTokenText(tok, t));
        float[][] last = teacher.embedTokenLists(probe);
        for (int round = 1; round <= 10; round++) {
            float[][] next = teacher.embedTokenLists(probe);
            if (java.util.Arrays.deepEquals(last, next)) return;
            last = next;
        }
        if (progress != null) progress.println("warning: the teacher's results still change between runs after 10 warm-up rounds");
    }

    /** The sequence the teacher sees for token {@code t} alone. */
    static int[] oneTokenText(Tokenizer tok, int t) {
        int n = 1 + (tok.addBos() ? 1 : 0) + (tok.addEos() ? 1 : 0);
        int[] s = new int[n];
        int i = 0;
        if (tok.addBos()) s[i++] = tok.bosId();
        s[i++] = t;
        if (tok.addEos()) s[i] = tok.eosId();
        return s;
    }

    private static void write(FileChannel ch, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) at += ch.write(b, at);
    }

    private static long fingerprint(GgufFile f) {
        CRC32 crc = new CRC32();
        for (GgufTensor t : f.tensors().values()) {
            crc.update(t.name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            crc.update(t.data().asSlice(0, Math.min(t.data().byteSize(), 1 << 16)).asByteBuffer());
        }
        return crc.getValue();
    }

    /** f32 rows in a mapped file. */
    static final class MappedRows implements RowSource, AutoCloseable {
        private final Arena arena;
        private final MemorySegment seg;
        private final int rows, dim;

        private MappedRows(Arena arena, MemorySegment seg, int rows, int dim) {
            this.arena = arena;
            this.seg = seg;
            this.rows = rows;
            this.dim = dim;
        }

        static MappedRows open(Path p, long offset, int rows, int dim) throws IOException {
            Arena a = Arena.ofShared();
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                long need = offset + 4L * rows * dim;
                if (ch.size() < need) throw new IOException(p + ": " + ch.size() + " bytes, expected " + need);
                return new MappedRows(a, ch.map(FileChannel.MapMode.READ_ONLY, offset, 4L * rows * dim, a), rows, dim);
            } catch (Throwable t) {
                a.close();
                throw t;
            }
        }

        @Override
        public int rows() {
            return rows;
        }

        @Override
        public int dim() {
            return dim;
        }

        @Override
        public void row(int i, float[] dst) {
            MemorySegment.copy(seg, Emb8File.F32, 4L * i * dim, dst, 0, dim);
        }

        @Override
        public void close() {
            arena.close();
        }
    }
}
