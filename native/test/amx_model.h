/* SPDX-License-Identifier: Apache-2.0 */
/* A software model of the six AMX instructions the AMX tier uses (LDTILECFG, TILELOADD, TILESTORED, TILEZERO,
 * TDPBSSD, TILERELEASE), written from their definitions in the Intel SDM (vol. 2, "TDPBSSD" and the AMX chapter of
 * vol. 1), so that the tile kernel's indexing, tile shapes, column masks and reads are tested on CPUs without AMX.
 *
 * Include it after <immintrin.h> and before the kernel: it replaces GCC's _tile_* macros with calls into the
 * model. Each instruction checks what the hardware faults on (#UD/#GP: palette and reserved bytes of the
 * configuration, a tile used before it is configured, TDPBSSD operands whose shapes do not agree or that name the
 * same tile) and, beyond the hardware, that every byte a TILELOADD reads lies in a buffer the test declared with
 * amx_model_readable (the hardware would read past a short buffer silently, or fault on an unmapped page). A
 * violation is recorded, not raised: amx_model_faults counts them and amx_model_first_fault says the first. */
#ifndef EGEMMA_AMX_MODEL_H
#define EGEMMA_AMX_MODEL_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#undef _tile_loadconfig
#undef _tile_release
#undef _tile_loadd
#undef _tile_stored
#undef _tile_zero
#undef _tile_dpbssd

enum { AMX_TILES = 8, AMX_MAX_ROWS = 16, AMX_MAX_COLSB = 64, AMX_MAX_RANGES = 8 };

static struct {
    int configured;                              /* palette 1 loaded, not released */
    uint8_t rows[AMX_TILES];
    uint16_t colsb[AMX_TILES];
    uint8_t data[AMX_TILES][AMX_MAX_ROWS][AMX_MAX_COLSB];
    const uint8_t *ranges[AMX_MAX_RANGES][2];    /* [begin, end) of the buffers loads may read */
    int nranges;
    int faults;
    char first_fault[256];
    long dpbssd_count;
} amx_model;

static void amx_model_fault(const char *what, int tile) {
    if (amx_model.faults++ == 0) snprintf(amx_model.first_fault, sizeof amx_model.first_fault, "%s (tile %d)", what, tile);
}

static int amx_model_faults(void) { return amx_model.faults; }
static const char *amx_model_first_fault(void) { return amx_model.faults ? amx_model.first_fault : "none"; }

/* forgets the readable buffers and the faults; the tile state is left as it is (a kernel must load its own) */
static void amx_model_reset(void) {
    amx_model.nranges = 0;
    amx_model.faults = 0;
    amx_model.dpbssd_count = 0;
}

static void amx_model_readable(const void *p, size_t bytes) {
    if (amx_model.nranges < AMX_MAX_RANGES) {
        amx_model.ranges[amx_model.nranges][0] = (const uint8_t *)p;
        amx_model.ranges[amx_model.nranges][1] = (const uint8_t *)p + bytes;
        amx_model.nranges++;
    }
}

static int amx_model_is_readable(const uint8_t *p, size_t bytes) {
    for (int i = 0; i < amx_model.nranges; i++)
        if (p >= amx_model.ranges[i][0] && p + bytes <= amx_model.ranges[i][1]) return 1;
    return 0;
}

/* the 64-byte operand of LDTILECFG: palette, start_row, 14 reserved bytes, colsb[16] (bytes 16..47), rows[16]
 * (bytes 48..63); palette 1 has 8 tiles, so entries 8..15 are reserved too */
static void amx_model_loadconfig(const void *config) {
    const uint8_t *b = (const uint8_t *)config;
    memset(amx_model.data, 0, sizeof amx_model.data);
    amx_model.configured = 0;
    if (b[0] == 0) return; /* palette 0: the init state, as TILERELEASE */
    if (b[0] != 1) { amx_model_fault("LDTILECFG: palette other than 0 and 1", -1); return; }
    for (int i = 1; i < 16; i++)
        if (b[i]) { amx_model_fault("LDTILECFG: start_row or reserved byte set", -1); return; }
    for (int t = 0; t < 16; t++) {
        uint16_t colsb;
        memcpy(&colsb, b + 16 + 2 * t, 2);
        const uint8_t rows = b[48 + t];
        if (t >= AMX_TILES) {
            if (colsb || rows) { amx_model_fault("LDTILECFG: tile beyond palette 1's 8 configured", t); return; }
            continue;
        }
        if (rows > AMX_MAX_ROWS || colsb > AMX_MAX_COLSB || (rows == 0) != (colsb == 0)) {
            amx_model_fault("LDTILECFG: rows > 16, colsb > 64, or only one of them zero", t);
            return;
        }
        amx_model.rows[t] = rows;
        amx_model.colsb[t] = colsb;
    }
    amx_model.configured = 1;
}

static void amx_model_release(void) {
    memset(amx_model.data, 0, sizeof amx_model.data);
    amx_model.configured = 0;
}

static int amx_model_usable(int t, const char *op) {
    if (t < 0 || t >= AMX_TILES) { amx_model_fault(op, t); return 0; }
    if (!amx_model.configured || amx_model.rows[t] == 0) { amx_model_fault(op, t); return 0; }
    return 1;
}

/* rows x colsb bytes from base + r * stride; the bytes of a row past colsb and the rows past rows become zero */
static void amx_model_loadd(int t, const void *base, long stride) {
    if (!amx_model_usable(t, "TILELOADD: tile not configured")) return;
    memset(amx_model.data[t], 0, sizeof amx_model.data[t]);
    for (int r = 0; r < amx_model.rows[t]; r++) {
        const uint8_t *src = (const uint8_t *)base + (long)r * stride;
        if (!amx_model_is_readable(src, amx_model.colsb[t])) {
            amx_model_fault("TILELOADD: a row outside every readable buffer", t);
            return;
        }
        memcpy(amx_model.data[t][r], src, amx_model.colsb[t]);
    }
}

static void amx_model_stored(int t, void *base, long stride) {
    if (!amx_model_usable(t, "TILESTORED: tile not configured")) return;
    for (int r = 0; r < amx_model.rows[t]; r++) memcpy((uint8_t *)base + (long)r * stride, amx_model.data[t][r], amx_model.colsb[t]);
}

static void amx_model_zero(int t) {
    if (!amx_model_usable(t, "TILEZERO: tile not configured")) return;
    memset(amx_model.data[t], 0, sizeof amx_model.data[t]);
}

/* C[m][n] += sum over quads q of sum_j A[m][4q+j] * B[q][4n+j], signed bytes, int32 wrap-around (SDM: TDPBSSD) */
static void amx_model_dpbssd(int dst, int a, int b) {
    if (!amx_model_usable(dst, "TDPBSSD: dst not configured") || !amx_model_usable(a, "TDPBSSD: src1 not configured") ||
        !amx_model_usable(b, "TDPBSSD: src2 not configured"))
        return;
    if (dst == a || dst == b || a == b) { amx_model_fault("TDPBSSD: operands name the same tile", dst); return; }
    const int m = amx_model.rows[dst], n = amx_model.colsb[dst] / 4, quads = amx_model.colsb[a] / 4;
    if (amx_model.rows[a] != m || amx_model.colsb[b] != amx_model.colsb[dst] || amx_model.rows[b] != quads ||
        amx_model.colsb[dst] % 4 || amx_model.colsb[a] % 4) {
        amx_model_fault("TDPBSSD: shapes do not agree (dst m x 4n, src1 m x 4k, src2 k x 4n)", dst);
        return;
    }
    amx_model.dpbssd_count++;
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            int32_t acc;
            memcpy(&acc, &amx_model.data[dst][i][4 * j], 4);
            uint32_t sum = (uint32_t)acc;
            for (int q = 0; q < quads; q++)
                for (int e = 0; e < 4; e++)
                    sum += (uint32_t)((int32_t)(int8_t)amx_model.data[a][i][4 * q + e] * (int8_t)amx_model.data[b][q][4 * j + e]);
            memcpy(&amx_model.data[dst][i][4 * j], &sum, 4);
        }
    }
}

#define _tile_loadconfig(config) amx_model_loadconfig(config)
#define _tile_release() amx_model_release()
#define _tile_loadd(t, base, stride) amx_model_loadd((t), (base), (long)(stride))
#define _tile_stored(t, base, stride) amx_model_stored((t), (base), (long)(stride))
#define _tile_zero(t) amx_model_zero(t)
#define _tile_dpbssd(dst, a, b) amx_model_dpbssd((dst), (a), (b))

#endif
