// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import java.util.List;

/** libegemma could not be loaded; the message names every place tried and why each failed. */
public final class NativeLibraryUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<LoadAttempt> attempts;
    private final boolean explicitPathFailed;

    public NativeLibraryUnavailableException(String summary, List<LoadAttempt> attempts, boolean explicitPathFailed) {
        super(describe(summary, attempts));
        this.attempts = List.copyOf(attempts);
        this.explicitPathFailed = explicitPathFailed;
    }

    /** True when {@code -Degemma.native.path} was set and that file failed: an error even for {@code auto}. */
    public boolean explicitPathFailed() {
        return explicitPathFailed;
    }

    /** Every candidate tried, in order. */
    public List<LoadAttempt> attempts() {
        return attempts;
    }

    private static String describe(String summary, List<LoadAttempt> attempts) {
        StringBuilder sb = new StringBuilder(summary);
        if (attempts.isEmpty()) sb.append(" (no candidate location)");
        for (LoadAttempt a : attempts) sb.append(System.lineSeparator()).append("  tried ").append(a);
        return sb.toString();
    }
}
