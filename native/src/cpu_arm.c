/* SPDX-License-Identifier: Apache-2.0 */
/* aarch64 CPU feature detection. Advanced SIMD is part of the aarch64 baseline; the dot-product extension
 * (ARMv8.2 FEAT_DotProd) is optional and asked of the OS: getauxval(AT_HWCAP) on Linux, sysctl on macOS,
 * IsProcessorFeaturePresent on Windows. */
#include "egemma_internal.h"

#if defined(__aarch64__) || defined(_M_ARM64)

#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1UL << 20)
#endif
static int has_dotprod(void) { return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0; }
#elif defined(__APPLE__)
#include <sys/sysctl.h>
static int has_dotprod(void) {
    int v = 0;
    size_t len = sizeof v;
    if (sysctlbyname("hw.optional.arm.FEAT_DotProd", &v, &len, NULL, 0) == 0) return v != 0;
    len = sizeof v;
    if (sysctlbyname("hw.optional.armv8_2_dotprod", &v, &len, NULL, 0) == 0) return v != 0;
    return 0;
}
#elif defined(_WIN32)
#include <windows.h>
#ifndef PF_ARM_V82_DP_INSTRUCTIONS_AVAILABLE
#define PF_ARM_V82_DP_INSTRUCTIONS_AVAILABLE 43
#endif
static int has_dotprod(void) { return IsProcessorFeaturePresent(PF_ARM_V82_DP_INSTRUCTIONS_AVAILABLE) != 0; }
#else
static int has_dotprod(void) { return 0; }
#endif

uint32_t egemma_detect_cpu_features(void) {
    uint32_t f = EGEMMA_CPU_NEON;
    if (has_dotprod()) f |= EGEMMA_CPU_DOTPROD;
    return f;
}

int egemma_request_amx(void) { return 0; }

#endif
