// SPDX-License-Identifier: Apache-2.0
package dev.egemma.tokenizer;

/** A text has more tokens than the model's context and the caller asked for {@link Truncation#ERROR}. */
public final class TooManyTokensException extends IllegalArgumentException {
    /** The text's tokens, special tokens included. */
    private final int tokenCount;
    /** The most tokens allowed. */
    private final int limit;

    /**
     * An exception whose message gives both numbers.
     *
     * @param tokenCount the text's tokens, special tokens included
     * @param limit      the most tokens allowed
     */
    public TooManyTokensException(int tokenCount, int limit) {
        super("text has " + tokenCount + " tokens (special tokens included) but the limit is " + limit
                + "; shorten it or use truncation");
        this.tokenCount = tokenCount;
        this.limit = limit;
    }

    /**
     * How many tokens the text has.
     *
     * @return the count, special tokens included
     */
    public int tokenCount() {
        return tokenCount;
    }

    /**
     * How many tokens were allowed.
     *
     * @return the limit, usually the model's context length
     */
    public int limit() {
        return limit;
    }
}
