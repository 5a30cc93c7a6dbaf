// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

import dev.egemma.kernels.Activations;
import dev.egemma.kernels.Kernels;
import dev.egemma.kernels.RopeTable;
import dev.egemma.kernels.WeightMatrix;

import java.util.List;

/**
 * The EmbeddingGemma forward pass as llama.cpp computes it ({@code llm_build_gemma_embedding}, spec section 3).
 * Several sequences go through the matrix products together (their rows concatenated); attention, RoPE
 * positions and pooling are per sequence. Thread-safe: every call allocates its own activations.
 */
public final class EmbeddingGemma {
    /** Weight rows per matmul tile handed to one task (a multiple of every kernel's register tile). */
    private static final int TILE_ROWS = 16;
    /**
     * Batches of fewer tokens run their row ops and attention on the calling thread: for a short text each such
     * step is a few microseconds of work, less than handing it to the pool and waiting for it (the products still
     * split their weight rows over the pool, since they stream the weights from memory).
     */
    private static final int SERIAL_ROW_OPS_BELOW = 16;
    /** Tokens per row block of a split product (a multiple of Kernels.ROW_SPLIT and of libegemma's 64-row chunk). */
    private static final int ROW_BLOCK = 256;
    /**
     * Queries per attention task, at most: a task attends a block of one sequence's queries for all the query heads of
     * a KV head (they share K and V, which libegemma copies once per task), and a long text's queries are split into
     * blocks so that one 2,000-token text keeps both threads busy. A query's output does not depend on its block.
     */
    static final int QUERY_BLOCK = 128;
    /** The least: libegemma's tile of queries attended together. */
    private static final int MIN_QUERY_BLOCK = 32;

    private final ModelWeights w;
    private final ModelConfig c;
    private final Kernels kernels;
    private final WorkerPool pool;
    private final RopeTable ropeSwa, ropeGlobal;
    private final MappedRowBudget tokenRows;

    public EmbeddingGemma(ModelWeights weights, Kernels kernels, WorkerPool pool) {
        this.w = weights;
        this.c = weights.config();
        this.kernels = kernels;
        this.pool = pool;
        this.ropeSwa = new RopeTable(c.ropeFreqBaseSwa(), c.nRot());
        this.ropeGlobal = new RopeTable(c.ropeFreqBase(), c.nRot());
        this.tokenRows = new MappedRowBudget(w.tokenEmbd().data(), MappedRowBudget.DEFAULT_ROWS);
    }

    public ModelWeights weights() {
        return w;
    }

    public Kernels kernels() {
        return kernels;
    }

    /**
     * Pooled (and dense-projected when the model has dense layers) vectors of the given token sequences,
     * not normalized; one row per sequence, in order.
     */
    public float[][] forward(List<int[]> sequences, LayerObserver observer) {
        return forward(sequences, observer, new Scratch());
    }

    /** As {@link #forward(List, LayerObserver)}, the activations in {@code scratch} (reused across calls by one thread). */
    public float[][] forward(List<int[]> sequences, LayerObserver observer, Scratch scratch) {
        return forward(sequences, null, observer, scratch);
    }

    /**
     * As {@link #forward(List, LayerObserver, Scratch)}, but pooling token spans instead of whole sequences ("late
     * chunking": every token attends to its whole sequence, then each chunk's tokens are averaged on their own, before
     * the dense layers). {@code spans.get(s)} holds sequence {@code s}'s spans as {@code [from0, to0, from1, to1, ...]}
     * (token positions, each span non-empty and inside the sequence); null spans pool each whole sequence. One row per
     * span, sequence by sequence. A single span over a whole sequence gives exactly {@link #forward}'s vector.
     */
    public float[][] forward(List<int[]> sequences, List<int[]> spans, LayerObserver observer, Scratch scratch) {
        int nSeq = sequences.size();
        if (spans != null && spans.size() != nSeq) throw new IllegalArgumentException(spans.size() + " span lists for " + nSeq + " sequences");
        int[] offsets = new int[nSeq + 1];
        for (int s = 0; s < nSeq; s++) {
            int[] ids = sequences.get(s);
            if (ids.length == 0) throw new IllegalArgumentException("sequence " + s + " has no tokens");
            for (int id : ids)
                if (id < 0 || id >= c.vocabSize()) throw new IllegalArgumentException("sequence " + s + ": token id " + id + " outside the vocabulary [0, " + c.vocabSize() + ")");
            offsets[s + 1] = Math.addExact(offsets[s], ids.length);
        }
        int m = offsets[nSeq];
        int nEmbd = c.nEmbd();
        int maxLen = 0;
        for (int[] ids : sequences) maxLen = Math.max(maxLen, ids.length);

        // 1. token embeddings (dequantized rows) * sqrtf(n_embd)
        int mEmbd = Math.multiplyExact(m, nEmbd);
        float[] x = scratch.floats(Scratch.Slot.X, mEmbd);
        float embdScale = (float) Math.sqrt((float) nEmbd);
        int[] tokens = scratch.ints(m);
        for (int s = 0, row = 0; s < nSeq; s++) for (int id : sequences.get(s)) tokens[row++] = id;
        forRows(m, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                dev.egemma.kernels.java.WeightRows.dequantizeRow(w.tokenEmbd(), tokens[r], x, r * nEmbd);
                for (int j = 0; j < nEmbd; j++) x[r * nEmbd + j] *= embdScale;
            }
        });
        tokenRows.read(m); // the rows' file pages leave the resident set now and then
        if (observer != null) observer.observe("inp_scaled", x, m, nEmbd);

        // attention tasks: (sequence, first query) of every block of qb queries, times the KV heads; blocks smaller
        // than QUERY_BLOCK only when the batch would otherwise leave threads idle (one short text)
        int qb = QUERY_BLOCK;
        while (qb > MIN_QUERY_BLOCK && queryBlocks(offsets, qb) * c.nHeadKv() < 2 * pool.threads()) qb /= 2;
        int blocks = queryBlocks(offsets, qb), queryBlock = qb;
        int[] blockSeq = new int[blocks], blockQuery = new int[blocks];
        for (int s = 0, b = 0; s < nSeq; s++)
            for (int i = 0; i < offsets[s + 1] - offsets[s]; i += qb, b++) {
                blockSeq[b] = s;
                blockQuery[b] = i;
            }

        float[][] swa = ropeSwa.upTo(maxLen), glob = ropeGlobal.upTo(maxLen);
        float attnScale = 1.0f / (float) Math.sqrt((float) c.headDimK());
        float[] h = scratch.floats(Scratch.Slot.H, mEmbd);
        for (int il = 0; il < c.nLayer(); il++) {
            LayerWeights lw = w.layers().get(il);
            boolean sliding = c.isSliding(il);
            float[][] rope = sliding ? swa : glob;

            // 2. attention block (layers after the first: h was normed by the previous layer's fused residual pass)
            if (il == 0) residualNorm(x, null, null, h, lw.attnNorm(), m);
            Activations hq = prepare(scratch, h, m, nEmbd, lw.wq());
            Activations hk = sameType(hq, lw.wq(), lw.wk()) ? hq : kernels.prepare(h, m, nEmbd, lw.wk(), null, this::forRows);
            Activations hv = sameType(hq, lw.wq(), lw.wv()) ? hq : kernels.prepare(h, m, nEmbd, lw.wv(), null, this::forRows);
            float[] q = scratch.floats(Scratch.Slot.Q, m * lw.wq().rows());
            float[] k = scratch.floats(Scratch.Slot.K, m * lw.wk().rows());
            float[] v = scratch.floats(Scratch.Slot.V, m * lw.wv().rows());
            matmuls(new Product(hq, lw.wq(), q), new Product(hk, lw.wk(), k), new Product(hv, lw.wv(), v));
            forRows(m, (r0, r1) -> {
                kernels.rmsNorm(q, r0 * c.qDim(), (r1 - r0) * c.nHead(), c.headDimK(), lw.qNorm(), c.rmsEps());
                kernels.rmsNorm(k, r0 * c.kvDim(), (r1 - r0) * c.nHeadKv(), c.headDimK(), lw.kNorm(), c.rmsEps());
            });
            float[] attn = scratch.floats(Scratch.Slot.ATTN, m * c.nHead() * c.headDimV());
            int halfWindow = sliding ? c.slidingWindow() / 2 : -1;
            forTasks(m, nSeq, s -> {
                int off = offsets[s], len = offsets[s + 1] - offsets[s];
                kernels.ropeNeox(q, off, len, c.qDim(), c.nHead(), c.headDimK(), rope[0], rope[1], attnScale);
                kernels.ropeNeox(k, off, len, c.kvDim(), c.nHeadKv(), c.headDimK(), rope[0], rope[1], 1f);
            });
            forTasks(m, blocks * c.nHeadKv(), task -> {
                int b = task / c.nHeadKv(), kvHead = task % c.nHeadKv(), s = blockSeq[b];
                int len = offsets[s + 1] - offsets[s], from = blockQuery[b];
                kernels.attentionKvGroup(q, k, v, attn, offsets[s], len, c.nHead(), c.nHeadKv(), c.headDimK(), c.headDimV(), kvHead, halfWindow,
                        from, Math.min(len, from + queryBlock));
            });
            float[] o = matmul(prepare(scratch, attn, m, c.nHead() * c.headDimV(), lw.wo()), lw.wo(), scratch.floats(Scratch.Slot.OUT, mEmbd));
            // o = norm(o); x += o; h = norm(x) for the FFN block
            residualNorm(x, o, lw.postAttnNorm(), h, lw.ffnNorm(), m);

            // FFN block
            Activations hf = prepare(scratch, h, m, nEmbd, lw.wGate());
            Activations hu = sameType(hf, lw.wGate(), lw.wUp()) ? hf : kernels.prepare(h, m, nEmbd, lw.wUp(), null, this::forRows);
            float[] gate = scratch.floats(Scratch.Slot.GATE, m * lw.wGate().rows());
            float[] up = scratch.floats(Scratch.Slot.UP, m * lw.wUp().rows());
            matmuls(new Product(hf, lw.wGate(), gate), new Product(hu, lw.wUp(), up));
            kernels.geluMul(gate, up, m * c.nFf());
            float[] d = matmul(prepare(scratch, gate, m, c.nFf(), lw.wDown()), lw.wDown(), scratch.floats(Scratch.Slot.OUT, mEmbd));
            // d = norm(d); x += d; h = norm(x) with the next layer's attention norm (none after the last layer)
            residualNorm(x, d, lw.postFfnNorm(), il + 1 < c.nLayer() ? h : null,
                    il + 1 < c.nLayer() ? w.layers().get(il + 1).attnNorm() : null, m);
            if (observer != null) observer.observe(String.format("layer_%02d", il), x, m, nEmbd);
        }

        // 3. final norm, 4. mean pooling over all tokens (BOS and EOS included), 5. dense_2 then dense_3
        forRows(m, (r0, r1) -> kernels.rmsNorm(x, r0 * nEmbd, r1 - r0, nEmbd, w.outputNorm(), c.rmsEps()));
        if (observer != null) observer.observe("result_norm", x, m, nEmbd);
        int[] pools = poolRows(offsets, spans); // absolute [from, to) token rows of each output
        int nOut = pools.length / 2;
        float[] pooled = scratch.floats(Scratch.Slot.POOLED, nOut * nEmbd);
        for (int p = 0; p < nOut; p++) kernels.meanPool(x, pools[2 * p], pools[2 * p + 1] - pools[2 * p], nEmbd, pooled, p * nEmbd);
        int outDim = nEmbd;
        if (w.hasDense()) {
            float[] d2 = matmul(prepare(scratch, pooled, nOut, nEmbd, w.dense2()), w.dense2(), scratch.floats(Scratch.Slot.DENSE2, nOut * w.dense2().rows()));
            pooled = matmul(prepare(scratch, d2, nOut, w.dense2().rows(), w.dense3()), w.dense3(), scratch.floats(Scratch.Slot.DENSE3, nOut * w.dense3().rows()));
            outDim = w.dense3().rows();
        }
        float[][] result = new float[nOut][];
        for (int p = 0; p < nOut; p++) result[p] = java.util.Arrays.copyOfRange(pooled, p * outDim, (p + 1) * outDim);
        return result;
    }

    private static int queryBlocks(int[] offsets, int qb) {
        int blocks = 0;
        for (int s = 0; s + 1 < offsets.length; s++) blocks += (offsets[s + 1] - offsets[s] + qb - 1) / qb;
        return blocks;
    }

    /** The token rows each output pools: whole sequences, or the given spans checked against their sequence. */
    private static int[] poolRows(int[] offsets, List<int[]> spans) {
        int nSeq = offsets.length - 1;
        if (spans == null) {
            int[] rows = new int[2 * nSeq];
            for (int s = 0; s < nSeq; s++) {
                rows[2 * s] = offsets[s];
                rows[2 * s + 1] = offsets[s + 1];
            }
            return rows;
        }
        int n = 0;
        for (int s = 0; s < nSeq; s++) {
            int[] sp = java.util.Objects.requireNonNull(spans.get(s), "spans of sequence " + s);
            if (sp.length == 0 || sp.length % 2 != 0) throw new IllegalArgumentException("sequence " + s + ": spans must be non-empty [from, to) pairs");
            n += sp.length;
        }
        int[] rows = new int[n];
        for (int s = 0, r = 0; s < nSeq; s++) {
            int len = offsets[s + 1] - offsets[s];
            int[] sp = spans.get(s);
            for (int i = 0; i < sp.length; i += 2) {
                if (sp[i] < 0 || sp[i] >= sp[i + 1] || sp[i + 1] > len)
                    throw new IllegalArgumentException("sequence " + s + ": span [" + sp[i] + ", " + sp[i + 1] + ") is empty or outside its " + len + " tokens");
                rows[r++] = offsets[s] + sp[i];
                rows[r++] = offsets[s] + sp[i + 1];
            }
        }
        return rows;
    }

    /**
     * Activations for products with {@code wm}, in the buffers of the previous product's (which is finished: the
     * q/k/v and gate/up pairs share one prepared set and never prepare in between, except for mixed-type files,
     * whose extra sets are prepared apart).
     */
    private Activations prepare(Scratch scratch, float[] a, int m, int k, WeightMatrix wm) {
        Activations p = kernels.prepare(a, m, k, wm, scratch.prepared(), this::forRows);
        scratch.prepared(p);
        return p;
    }

    private boolean sameType(Activations a, WeightMatrix prepared, WeightMatrix next) {
        return prepared.cols() == next.cols() && kernels.sharesActivations(prepared.type(), next.type());
    }

    /**
     * C = A * W^T, the weight rows split into tiles over the pool; a big batch is also split into blocks of
     * {@link #ROW_BLOCK} tokens when the kernels allow it: each task then reads only its block of activations
     * (libegemma re-biases the rows it is given on every call, so with column splits alone every task read them all).
     * Every output element is computed whole by one call, so the split never changes a bit.
     */
    private float[] matmul(Activations a, WeightMatrix wm, float[] out) {
        int n = wm.rows(), m = a.rows();
        if (m >= 2 * ROW_BLOCK && kernels.splitsRows(wm)) {
            int blocks = (m + ROW_BLOCK - 1) / ROW_BLOCK, parts = pool.threads();
            int tiles = (n + TILE_ROWS - 1) / TILE_ROWS;
            // task t: row block t / parts, column part t % parts (a thread claiming every other task keeps its part's weights in cache)
            pool.forEach(blocks * parts, t -> {
                int b = t / parts, p = t % parts;
                int n0 = (int) ((long) tiles * p / parts) * TILE_ROWS, n1 = Math.min(n, (int) ((long) tiles * (p + 1) / parts) * TILE_ROWS);
                if (n0 < n1) kernels.matmulRows(a, b * ROW_BLOCK, Math.min(m, (b + 1) * ROW_BLOCK), wm, n0, n1, out, n);
            });
            return out;
        }
        weightTiles(new Product(a, wm, out));
        return out;
    }

    /** One product C = A * W^T of {@link #matmuls}. */
    private record Product(Activations a, WeightMatrix w, float[] out) {}

    /**
     * Products of the same activations' rows (q/k/v, gate/up) as one parallel step: a short batch splits their
     * weight tiles together into one set of tasks, so the pool waits at one barrier instead of one per product and
     * the weights stream without a pause between matrices. A big batch runs them one by one ({@link #matmul}).
     */
    private void matmuls(Product... ps) {
        if (ps[0].a().rows() >= 2 * ROW_BLOCK) {
            for (Product p : ps) matmul(p.a(), p.w(), p.out());
        } else {
            weightTiles(ps);
        }
    }

    /** The products' weight rows, in tiles of {@link #TILE_ROWS} counted across all of them, split into one parallel step. */
    private void weightTiles(Product... ps) {
        int[] firstTile = new int[ps.length + 1];
        for (int i = 0; i < ps.length; i++) firstTile[i + 1] = firstTile[i] + (ps[i].w().rows() + TILE_ROWS - 1) / TILE_ROWS;
        int tiles = firstTile[ps.length];
        int tasks = Math.min(tiles, pool.threads() * 4);
        pool.forEach(tasks, t -> {
            int t0 = (int) ((long) tiles * t / tasks), t1 = (int) ((long) tiles * (t + 1) / tasks);
            for (int i = 0; i < ps.length; i++) { // the part of tiles [t0, t1) in product i
                int lo = Math.max(t0, firstTile[i]), hi = Math.min(t1, firstTile[i + 1]);
                if (lo >= hi) continue;
                Product p = ps[i];
                int n = p.w().rows();
                kernels.matmul(p.a(), p.w(), (lo - firstTile[i]) * TILE_ROWS, Math.min(n, (hi - firstTile[i]) * TILE_ROWS), p.out(), n);
            }
        });
    }

    /** Splits {@code m} rows into one contiguous range per pool thread: every row op here is per row, so bits do not depend on the split. */
    private void forRows(int m, Kernels.RowRange body) {
        int parts = m < SERIAL_ROW_OPS_BELOW ? 1 : Math.min(m, pool.threads());
        if (parts <= 1) {
            body.run(0, m);
            return;
        }
        pool.forEach(parts, t -> body.run((int) ((long) m * t / parts), (int) ((long) m * (t + 1) / parts)));
    }

    /** {@code body(0..tasks-1)} of a batch of {@code m} tokens: over the pool, or in order on this thread for a small batch. */
    private void forTasks(int m, int tasks, java.util.function.IntConsumer body) {
        if (m < SERIAL_ROW_OPS_BELOW) {
            for (int t = 0; t < tasks; t++) body.accept(t);
        } else {
            pool.forEach(tasks, body);
        }
    }

    /**
     * One pass over each row range instead of four over the batch: {@code y = norm(y, yNorm)}, {@code x += y}
     * (skipped when {@code y} is null), then {@code h = norm(copy of x, hNorm)} (skipped when {@code h} is null).
     */
    private void residualNorm(float[] x, float[] y, float[] yNorm, float[] h, float[] hNorm, int m) {
        int n = c.nEmbd();
        float eps = c.rmsEps();
        forRows(m, (r0, r1) -> {
            int from = r0 * n, to = r1 * n;
            if (y != null) {
                kernels.rmsNorm(y, from, r1 - r0, n, yNorm, eps);
                for (int i = from; i < to; i++) x[i] += y[i];
            }
            if (h != null) {
                System.arraycopy(x, from, h, from, to - from);
                kernels.rmsNorm(h, from, r1 - r0, n, hNorm, eps);
            }
        });
    }
}
