/* SPDX-License-Identifier: Apache-2.0 */
/* x86 CPU feature detection: cpuid for what the CPU implements, xgetbv(XCR0) for what the OS saves on a
 * context switch. A feature whose register state the OS does not enable (AVX on an old kernel, AVX-512 on
 * some hypervisors, AMX tiles) is reported absent, because using it would fault or corrupt registers. */
#include "egemma_internal.h"

#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64) || defined(_M_IX86)

#if defined(_MSC_VER)
#include <intrin.h>
static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
    int regs[4];
    __cpuidex(regs, (int)leaf, (int)sub);
    for (int i = 0; i < 4; i++) r[i] = (uint32_t)regs[i];
}
static uint64_t xgetbv0(void) { return _xgetbv(0); }
#else
#include <cpuid.h>
static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
    __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
}
/* inline asm rather than _xgetbv, which would need -mxsave on this (flag-free) translation unit */
static uint64_t xgetbv0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}
#endif

enum { EAX, EBX, ECX, EDX };

#if defined(__APPLE__)
#include <sys/sysctl.h>
/* macOS enables the AVX-512 register state lazily, on a thread's first AVX-512 instruction, so XCR0 does not
 * show it yet; the kernel's own flag says whether it will. */
static int macos_avx512_state(void) {
    int v = 0;
    size_t len = sizeof v;
    return sysctlbyname("hw.optional.avx512f", &v, &len, NULL, 0) == 0 && v != 0;
}
#endif

uint32_t egemma_detect_cpu_features(void) {
    uint32_t r[4];
    cpuid(0, 0, r);
    const uint32_t max_leaf = r[EAX];
    if (max_leaf < 1) return 0;

    cpuid(1, 0, r);
    const uint32_t ecx1 = r[ECX];
    const int osxsave = (ecx1 >> 27) & 1;
    const int avx = (ecx1 >> 28) & 1;
    const uint64_t xcr0 = osxsave ? xgetbv0() : 0;
    const int os_avx = osxsave && avx && (xcr0 & 0x6) == 0x6;            /* XMM | YMM state */
#if defined(__APPLE__)
    const int os_avx512 = os_avx && ((xcr0 & 0xe0) == 0xe0 || macos_avx512_state());
#else
    const int os_avx512 = os_avx && (xcr0 & 0xe0) == 0xe0;               /* opmask | ZMM_Hi256 | Hi16_ZMM */
#endif
    const int os_amx = os_avx && (xcr0 & 0x60000) == 0x60000;            /* XTILECFG | XTILEDATA */

    uint32_t ebx7 = 0, ecx7 = 0, edx7 = 0;
    if (max_leaf >= 7) {
        cpuid(7, 0, r);
        ebx7 = r[EBX]; ecx7 = r[ECX]; edx7 = r[EDX];
    }

    uint32_t f = 0;
    if (os_avx) {
        if ((ebx7 >> 5) & 1) f |= EGEMMA_CPU_AVX2;
        if ((ecx1 >> 12) & 1) f |= EGEMMA_CPU_FMA;
        if ((ecx1 >> 29) & 1) f |= EGEMMA_CPU_F16C;
    }
    if (os_avx512) {
        if ((ebx7 >> 16) & 1) f |= EGEMMA_CPU_AVX512F;
        if ((ebx7 >> 30) & 1) f |= EGEMMA_CPU_AVX512BW;
        if ((ebx7 >> 31) & 1) f |= EGEMMA_CPU_AVX512VL;
        if ((ecx7 >> 11) & 1) f |= EGEMMA_CPU_AVX512VNNI;
    }
    if (os_amx) {
        if ((edx7 >> 24) & 1) f |= EGEMMA_CPU_AMX_TILE;
        if ((edx7 >> 25) & 1) f |= EGEMMA_CPU_AMX_INT8;
    }
    return f;
}

#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18
int egemma_request_amx(void) { return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0; }
#else
/* other OSes: no AMX tier until their way of granting the tile state is wired in */
int egemma_request_amx(void) { return 0; }
#endif

#endif
