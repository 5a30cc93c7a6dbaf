// SPDX-License-Identifier: Apache-2.0
package dev.egemma.engine;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Calls in flight against something that can be closed: {@link #close} waits for the calls already inside, and a call
 * that comes later fails with one clear {@link IllegalStateException} instead of reaching freed memory (a forward pass
 * over an unmapped file fails with FFM's "Already closed", or worse in native code).
 */
public final class CallGate {
    private final String closedMessage;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private int active;
    private boolean closed;

    /** @param closedMessage what a call after {@link #close} is told, e.g. "the embedder is closed" */
    public CallGate(String closedMessage) {
        this.closedMessage = closedMessage;
    }

    /** Enters a call; pair with {@link #exit()} in a finally. */
    public void enter() {
        if (!tryEnter()) throw new IllegalStateException(closedMessage);
    }

    /** Enters a call unless closed (for asynchronous calls, which report a closed gate in their future). */
    public boolean tryEnter() {
        lock.lock();
        try {
            if (closed) return false;
            active++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** What a call after {@link #close} is told. */
    public String closedMessage() {
        return closedMessage;
    }

    public void exit() {
        lock.lock();
        try {
            if (--active == 0) idle.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Refuses new calls and waits for the ones inside to exit; false if it was closed already. */
    public boolean close() {
        lock.lock();
        try {
            if (closed) return false;
            closed = true;
            while (active > 0) idle.awaitUninterruptibly();
            return true;
        } finally {
            lock.unlock();
        }
    }
}
