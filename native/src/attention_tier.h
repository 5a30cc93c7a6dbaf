/* SPDX-License-Identifier: Apache-2.0 */
/* What the attention tiers (attention_avx2.c, attention_avx512.c) share, included twice by each: first for pv_window
 * and the layout of V that P.V reads, then, with PV_LANES defined, after the tier's kernels (scores_tile, softmax_row,
 * pv_step and pv_finish over PV_LANES output lanes) for the loops: V's position classes are copied once into aligned
 * scratch for all the call's heads, then each head's queries are attended QT at a time (attend_tile). */
#ifndef EGEMMA_ATTENTION_TIER_HELPERS_H
#define EGEMMA_ATTENTION_TIER_HELPERS_H
/* P.V's key range per query (included first): last[qq] = the last key below np (the keys the 64 position classes
 * take) that query qq sees; lo_max/last_min bound the 64-key blocks every query sees whole, last_max the last block */
static inline void pv_window(const int64_t *lo, const int64_t *hi, int64_t np, int nq, int64_t *last, int64_t *lo_max,
                             int64_t *last_min, int64_t *last_max) {
    *lo_max = lo[nq - 1], *last_min = INT64_MAX, *last_max = -1;
    for (int qq = 0; qq < nq; qq++) {
        last[qq] = hi[qq] < np - 1 ? hi[qq] : np - 1;
        if (last[qq] < *last_min) *last_min = last[qq];
        if (last[qq] > *last_max) *last_max = last[qq];
    }
}
/* Per group of queries (QB, or 1 for the tile's last few): P.V's key range as pv_window gives it (QB is defined by the includer) */
typedef struct {
    int64_t last[QB], lo_max, last_min, last_max;
} pv_range;


/* V's rows below np of the blocks b0.. in class-major order (gather_classes): the rows of position class c (key
 * j = 64 * b + c) follow one another, so that P.V's per-class chains read V in order, aligned, rather than 64 rows
 * apart (64 KiB apart at EmbeddingGemma's 256 floats: such rows share one L1 set, and a long chain's rows did not
 * stay in L1 between a tile's groups). */
typedef struct {
    const float *rows;
    int64_t nblk, stride, b0;
    int64_t p_class, p_block, pb0; /* a tile's score rows (class_p_index) */
} class_rows;

static inline const float *class_row(const class_rows *cv, int64_t j) {
    return cv->rows + ((j % 64) * cv->nblk + j / 64 - cv->b0) * cv->stride;
}

/* Where key j's probability (j below np) is in a tile's score row: in key order, or, when its class chains are long, in
 * class-major order (classes_of_row): in key order a chain's probabilities sit 256 bytes apart, a cache line each,
 * and a long row's lines do not stay in L1 between the chains. Measured (C microbenchmark, one thread): 1,024 and
 * 2,048 keys 8-20% faster class-major, 256 keys 11% slower (the reordering costs more than it saves). */
static inline int64_t class_p_index(const class_rows *cv, int64_t j) {
    return (j % 64) * cv->p_class + (j / 64 - cv->pb0) * cv->p_block;
}

/* blocks a tile's rows must span before their probabilities are reordered */
#define CLASS_MAJOR_P_BLOCKS 12

/* The blocks pb0..pb0+nrow-1 of a score row (keys below np) in class-major order at its start, through tmp (64 nrow
 * floats); the keys from np on stay where they are */
static void classes_of_row(float *p, int64_t pb0, int64_t nrow, float *tmp) {
    for (int c = 0; c < 64; c++)
        for (int64_t b = 0; b < nrow; b++) tmp[c * nrow + b] = p[64 * (pb0 + b) + c];
    memcpy(p, tmp, sizeof(float) * 64 * nrow);
}

static void gather_classes(const float *v, int64_t v_stride, int64_t head_dim_v, int64_t b0, int64_t nblk, float *dst, class_rows *cv) {
    for (int64_t b = 0; b < nblk; b++)
        for (int c = 0; c < 64; c++) memcpy(dst + (c * nblk + b) * head_dim_v, v + (64 * (b0 + b) + c) * v_stride, sizeof(float) * head_dim_v);
    cv->rows = dst, cv->nblk = nblk, cv->stride = head_dim_v, cv->b0 = b0;
}
#endif

#if defined(PV_LANES) && !defined(EGEMMA_ATTENTION_TIER_H)
#define EGEMMA_ATTENTION_TIER_H

/* Queries i0..i0+nt-1 (nt <= QT) of one head as one tile: their score rows p[0..nt), the class sums of each query's
 * P.V at f + t * PV_F (64-byte aligned). Groups of QB queries share every K and V row loaded (registers); the tile's groups
 * share each 16-key slice of K and each position class of V while it is in L1, so a head's K and V stream from
 * memory once per tile rather than once per group. */
static void attend_tile(const float *q, const float *k, const float *v, float *out, int64_t tokens, int64_t q_stride, int64_t k_stride,
                        int64_t v_stride, int64_t o_stride, int chunks, int64_t head_dim_v, int64_t half_window, int64_t i0, int nt,
                        float *const *p, float *f, const class_rows *cv, float *qt, float *ptmp) {
    const int64_t vec = tokens / 16 * 16; /* keys of a row that ggml's vector exp covers */
    const int64_t np = tokens & ~(int64_t)63;
    int64_t lo[QT], hi[QT];
    float max[QT];
    int gs[QT + 1], ng = 0; /* group g: queries gs[g] .. gs[g+1]-1 */
    for (int t = 0; t < nt; t++) {
        const int64_t i = i0 + t;
        lo[t] = half_window < 0 ? 0 : (i - half_window > 0 ? i - half_window : 0);
        hi[t] = half_window < 0 ? tokens - 1 : (i + half_window < tokens - 1 ? i + half_window : tokens - 1);
        max[t] = -INFINITY;
    }
    for (int t = 0; t < nt; t += t + QB <= nt ? QB : 1) gs[ng++] = t;
    gs[ng] = nt;
    /* the tile's queries copied to aligned rows: four of their loads meet each K load, and q is rarely 64-byte
     * aligned (Java arrays are not; a split load costs two). K's rows, one load in five, gained nothing from a copy. */
    const int64_t dk = 64 * (int64_t)chunks;
    for (int t = 0; t < nt; t++) memcpy(qt + t * dk, q + (i0 + t) * q_stride, sizeof(float) * dk);
    for (int64_t j0 = lo[0]; j0 <= hi[nt - 1]; j0 += 16)
        for (int g = 0; g < ng; g++) {
            const int a = gs[g], n = gs[g + 1] - a;
            if (hi[a + n - 1] < j0 || lo[a] > j0 + 15) continue;
            if (n == QB) scores_tile(qt + a * dk, dk, k + j0 * k_stride, k_stride, chunks, QB, lo + a, hi + a, j0, p + a, max + a);
            else scores_tile(qt + a * dk, dk, k + j0 * k_stride, k_stride, chunks, 1, lo + a, hi + a, j0, p + a, max + a);
        }
    /* the blocks below np that the tile's queries see: class-major in its score rows when there are many */
    const int64_t pb0 = lo[0] / 64, nrow = lo[0] < np ? (hi[nt - 1] < np - 1 ? hi[nt - 1] : np - 1) / 64 - pb0 + 1 : 0;
    class_rows cvt = *cv;
    if (nrow >= CLASS_MAJOR_P_BLOCKS) cvt.p_class = nrow, cvt.p_block = 1, cvt.pb0 = pb0;
    else cvt.p_class = 1, cvt.p_block = 64, cvt.pb0 = 0;
    for (int t = 0; t < nt; t++) {
        softmax_row(p[t], tokens, vec, lo[t], hi[t], max[t]);
        if (nrow >= CLASS_MAJOR_P_BLOCKS) classes_of_row(p[t], pb0, nrow, ptmp);
    }
    pv_range r[QT];
    for (int g = 0; g < ng; g++) {
        const int a = gs[g];
        pv_window(lo + a, hi + a, np, gs[g + 1] - a, r[g].last, &r[g].lo_max, &r[g].last_min, &r[g].last_max);
    }
    for (int64_t d = 0; d < head_dim_v; d += PV_LANES) {
        for (int s = 0; s < PV_STEPS; s++)
            for (int g = 0; g < ng; g++) {
                const int a = gs[g];
                if (np == 0 || lo[a] >= np) continue;
                if (gs[g + 1] - a == QB) pv_step(&cvt, d, p + a, lo + a, &r[g], QB, s, f + a * PV_F);
                else pv_step(&cvt, d, p + a, lo + a, &r[g], 1, s, f + a * PV_F);
            }
        for (int g = 0; g < ng; g++) {
            const int a = gs[g], n = gs[g + 1] - a;
            float *o[QB];
            for (int qq = 0; qq < n; qq++) o[qq] = out + (i0 + a + qq) * o_stride + d;
            if (n == QB) pv_finish(v + d, v_stride, p + a, lo + a, hi + a, np, QB, f + a * PV_F, o);
            else pv_finish(v + d, v_stride, p + a, lo + a, hi + a, np, 1, f + a * PV_F, o);
        }
    }
}

/* queries q0..q1-1 of the heads (the shape already accepted by the tier; head h's rows at q + h * head_dim and
 * out + h * head_dim_v). scratch as egemma_attention_scratch_size: QT score rows, then, 64-byte aligned, the class
 * sums, the tile's queries, a row to reorder probabilities through and V's classes for the keys the queries see. */
static int attention_rows(const float *q, const float *k, const float *v, float *out, int64_t tokens, int64_t q_stride,
                          int64_t k_stride, int64_t v_stride, int64_t o_stride, int64_t head_dim, int64_t head_dim_v, int64_t heads,
                          int64_t half_window, int64_t q0, int64_t q1, float *scratch) {
    if (q0 == q1) return 1;
    const int chunks = (int)(head_dim / 64);
    float *p[QT];
    for (int t = 0; t < QT; t++) p[t] = scratch + t * tokens;
    float *f = scratch + QT * tokens;
    f += (64 - (uintptr_t)f % 64) % 64 / sizeof(float);
    float *qt = f + QT * EGEMMA_ATTENTION_CLASS_FLOATS, *ptmp = qt + QT * head_dim, *vc = ptmp + (tokens + 15) / 16 * 16;
    /* the keys the queries see: first..last; V's blocks below np among them, class-major */
    const int64_t np = tokens & ~(int64_t)63;
    const int64_t first = half_window < 0 || q0 - half_window < 0 ? 0 : q0 - half_window;
    const int64_t last = half_window < 0 || q1 - 1 + half_window > tokens - 1 ? tokens - 1 : q1 - 1 + half_window;
    class_rows cv = {0};
    const int64_t vlast = last < np - 1 ? last : np - 1;
    if (first <= vlast) gather_classes(v, v_stride, head_dim_v, first / 64, vlast / 64 - first / 64 + 1, vc, &cv);
    for (int64_t h = 0; h < heads; h++)
        for (int64_t i = q0; i < q1; i += QT) {
            const int nt = q1 - i < QT ? (int)(q1 - i) : QT;
            attend_tile(q + h * head_dim, k, v, out + h * head_dim_v, tokens, q_stride, k_stride, v_stride, o_stride, chunks, head_dim_v,
                        half_window, i, nt, p, f, &cv, qt, ptmp);
        }
    return 1;
}

#endif /* PV_LANES */
