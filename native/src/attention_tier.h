/* What the attention tiers (attention_avx2.c, attention_avx512.c) share, included twice by each: first for pv_window,
 * then, with PV_LANES defined, after its kernels (scores_rows, softmax_row, pv_block of PV_LANES output lanes) for the
 * queries loop: QB queries attended together while a row has at most QB_MAX_TOKENS keys (their extra score rows live
 * on the stack), one at a time beyond. */
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
#endif

#if defined(PV_LANES) && !defined(EGEMMA_ATTENTION_TIER_H)
#define EGEMMA_ATTENTION_TIER_H

/* Queries i0..i0+nq-1 (their score rows p[0..nq)) */
static ALWAYS_INLINE void attend(const float *q, const float *k, const float *v, float *out, int64_t tokens, int64_t q_stride,
                                 int64_t k_stride, int64_t v_stride, int64_t o_stride, int chunks, int64_t head_dim_v,
                                 int64_t half_window, int64_t i0, const int nq, float *const *p) {
    const int64_t vec = tokens / 16 * 16; /* keys of a row that ggml's vector exp covers */
    const int64_t np = tokens & ~(int64_t)63;
    int64_t lo[QB], hi[QB];
    float max[QB];
    for (int qq = 0; qq < nq; qq++) {
        const int64_t i = i0 + qq;
        lo[qq] = half_window < 0 ? 0 : (i - half_window > 0 ? i - half_window : 0);
        hi[qq] = half_window < 0 ? tokens - 1 : (i + half_window < tokens - 1 ? i + half_window : tokens - 1);
    }
    scores_rows(q + i0 * q_stride, q_stride, k, k_stride, chunks, nq, lo, hi, p, max);
    for (int qq = 0; qq < nq; qq++) softmax_row(p[qq], tokens, vec, lo[qq], hi[qq], max[qq]);
    for (int64_t d = 0; d < head_dim_v; d += PV_LANES) {
        float *o[QB];
        for (int qq = 0; qq < nq; qq++) o[qq] = out + (i0 + qq) * o_stride + d;
        pv_block(v + d, v_stride, p, lo, hi, np, nq, o);
    }
}

/* queries q0..q1-1 of the head (the shape already accepted by the tier) */
static int attention_rows(const float *q, const float *k, const float *v, float *out, int64_t tokens, int64_t q_stride,
                          int64_t k_stride, int64_t v_stride, int64_t o_stride, int64_t head_dim, int64_t head_dim_v,
                          int64_t half_window, int64_t q0, int64_t q1, float *scores) {
    const int chunks = (int)(head_dim / 64);
    int64_t i = q0;
    if (tokens <= QB_MAX_TOKENS) {
        float extra[QB - 1][QB_MAX_TOKENS];
        float *const p[QB] = {scores, extra[0], extra[1], extra[2]};
        for (; i + QB <= q1; i += QB) attend(q, k, v, out, tokens, q_stride, k_stride, v_stride, o_stride, chunks, head_dim_v, half_window, i, QB, p);
    }
    for (; i < q1; i++) attend(q, k, v, out, tokens, q_stride, k_stride, v_stride, o_stride, chunks, head_dim_v, half_window, i, 1, &scores);
    return 1;
}

#endif /* PV_LANES */
