package io.talkwire;

import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * A fixed set of locks shared out by key (a session, a room): the same key always gets the same lock, so work on one
 * key runs one at a time, at the cost of now and then waiting for another key that shares its lock.
 */
public final class StripedLocks {

    private final Lock[] locks = IntStream.range(0, 64).mapToObj(i -> new ReentrantLock()).toArray(Lock[]::new);

    /** The key's lock. */
    public Lock of(Object key) {
        return locks[Math.floorMod(key.hashCode(), locks.length)];
    }

    /** Runs {@code work} holding the key's lock. */
    public <T> T holding(Object key, Supplier<T> work) {
        Lock lock = of(key);
        lock.lock();
        try {
            return work.get();
        }
        finally {
            lock.unlock();
        }
    }
}
