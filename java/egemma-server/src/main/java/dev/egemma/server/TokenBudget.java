// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Admission control by tokens: a request holds its token count from admission until its embeddings are done or
 * abandoned. When admitting one more would exceed the budget the request is refused at once (429 + Retry-After)
 * instead of queueing without bound: an overloaded server answers fast and clients back off.
 */
final class TokenBudget {
    private final long capacity;
    private final AtomicLong held = new AtomicLong();

    TokenBudget(long capacity) {
        this.capacity = capacity;
    }

    /**
     * The tokens a request holds. Released exactly once, by whichever comes first: the model call finishing, or the
     * request giving its work up (client gone, timeout, stop), which may happen before that call ever started.
     */
    final class Lease implements AutoCloseable {
        private final long tokens;
        private final AtomicBoolean released = new AtomicBoolean();

        private Lease(long tokens) {
            this.tokens = tokens;
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) held.addAndGet(-tokens);
        }
    }

    /** Takes {@code tokens} if they fit, else returns null. */
    Lease tryAcquire(long tokens) {
        while (true) {
            long h = held.get();
            if (h + tokens > capacity) return null;
            if (held.compareAndSet(h, h + tokens)) return new Lease(tokens);
        }
    }

    long held() {
        return held.get();
    }

    long capacity() {
        return capacity;
    }
}
