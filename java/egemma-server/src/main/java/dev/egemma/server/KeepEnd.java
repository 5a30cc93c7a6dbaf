// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import dev.egemma.tokenizer.Tokenizer;

/**
 * TEI's {@code "truncation_direction": "Left"}: an over-long input keeps its last tokens, not its first. The special
 * tokens the tokenizer adds stay where they are (BOS first, EOS last), as with the core's end truncation, so the
 * model sees a well-formed sequence either way.
 */
final class KeepEnd {
    private KeepEnd() {}

    /** {@code full} (special tokens added) cut to {@code max} tokens, dropping text tokens from the start. */
    static int[] cut(Tokenizer t, int[] full, int max) {
        if (full.length <= max) return full;
        int head = t.addBos() ? 1 : 0;
        int[] out = new int[max];
        System.arraycopy(full, 0, out, 0, head);
        // the last (max - head) ids of full: the text's last tokens then EOS
        System.arraycopy(full, full.length - (max - head), out, head, max - head);
        return out;
    }
}
