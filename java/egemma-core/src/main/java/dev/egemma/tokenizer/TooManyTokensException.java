package dev.egemma.tokenizer;

/** A text has more tokens than the model's context and the caller asked for {@link Truncation#ERROR}. */
public final class TooManyTokensException extends IllegalArgumentException {
    private final int tokenCount;
    private final int limit;

    public TooManyTokensException(int tokenCount, int limit) {
        super("text has " + tokenCount + " tokens (special tokens included) but the limit is " + limit
                + "; shorten it or use truncation");
        this.tokenCount = tokenCount;
        this.limit = limit;
    }

    public int tokenCount() {
        return tokenCount;
    }

    public int limit() {
        return limit;
    }
}
