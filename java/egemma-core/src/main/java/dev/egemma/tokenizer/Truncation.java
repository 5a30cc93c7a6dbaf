// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

/** What {@link Tokenizer#encode(String, int, Truncation)} does with a text longer than the model's context. */
public enum Truncation {
    /** Keep the first tokens and, when EOS was added, put EOS back as the last one (BOS stays first). */
    TRUNCATE,
    /** Throw {@link TooManyTokensException}. */
    ERROR
}
