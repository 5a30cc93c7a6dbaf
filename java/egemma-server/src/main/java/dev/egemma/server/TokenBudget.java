package dev.egemma.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Admission control by tokens: a request holds its token count from admission until its embeddings are done.
 * When admitting one more would exceed the budget the request is refused at once (503 + Retry-After) instead of
 * queueing without bound: an overloaded server answers fast and clients back off.
 */
final class TokenBudget {
    private final long capacity;
    private final AtomicLong held = new AtomicLong();

    TokenBudget(long capacity) {
        this.capacity = capacity;
    }

    /** Takes {@code tokens} if they fit, else returns false. */
    boolean tryAcquire(long tokens) {
        while (true) {
            long h = held.get();
            if (h + tokens > capacity) return false;
            if (held.compareAndSet(h, h + tokens)) return true;
        }
    }

    void release(long tokens) {
        held.addAndGet(-tokens);
    }

    long held() {
        return held.get();
    }

    long capacity() {
        return capacity;
    }
}
