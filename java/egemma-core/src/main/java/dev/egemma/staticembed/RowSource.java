// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

/** The vectors being distilled, one per vocabulary token, read row by row (they may not fit the heap). */
interface RowSource {
    int rows();

    int dim();

    /** Copies row {@code i} into {@code dst[0 .. dim())}. */
    void row(int i, float[] dst);
}
