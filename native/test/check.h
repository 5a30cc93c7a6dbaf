/* SPDX-License-Identifier: Apache-2.0 */
/* The C tests' one assertion: CHECK(cond, fmt, ...) counts every check and every failure (the test's main
 * returns non-zero when failures > 0) and prints the first 30 failures with file, line and message. */
#ifndef EGEMMA_TEST_CHECK_H
#define EGEMMA_TEST_CHECK_H

#include <stdio.h>

static int failures = 0, checks = 0;

#define CHECK(cond, ...)                                                                                    \
    do {                                                                                                   \
        checks++;                                                                                          \
        if (!(cond)) {                                                                                     \
            if (failures++ < 30) {                                                                         \
                fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                       \
                fprintf(stderr, __VA_ARGS__);                                                              \
                fprintf(stderr, "\n");                                                                     \
            }                                                                                              \
        }                                                                                                  \
    } while (0)

#endif
