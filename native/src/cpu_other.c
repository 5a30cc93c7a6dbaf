/* SPDX-License-Identifier: Apache-2.0 */
/* Architectures without SIMD tiers: only the scalar tier runs. */
#include "egemma_internal.h"

uint32_t egemma_detect_cpu_features(void) { return 0; }
int egemma_request_amx(void) { return 0; }
