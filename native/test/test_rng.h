/* SPDX-License-Identifier: Apache-2.0 */
/* The C tests' reproducible inputs: xorshift64* (Vigna 2016). One stream per test executable; a test that wants
 * other data sets rng_state before it draws. */
#ifndef EGEMMA_TEST_RNG_H
#define EGEMMA_TEST_RNG_H

#include <stdint.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

#endif
