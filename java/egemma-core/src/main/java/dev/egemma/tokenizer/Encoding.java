// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

/**
 * Token ids after the context-length policy.
 *
 * @param ids        the ids to run (at most the limit)
 * @param fullLength how many ids the whole text gave before truncation
 */
public record Encoding(int[] ids, int fullLength) {
    /**
     * Whether tokens were dropped to fit the limit.
     *
     * @return true if {@code fullLength > ids.length}
     */
    public boolean truncated() {
        return fullLength > ids.length;
    }
}
