package io.talkwire;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per key (a user, an address): {@code burst} at once, {@code perSecond} sustained. Buckets that have
 * filled up again are forgotten by {@link #forgetIdle}, so keys seen once cost nothing for long.
 */
public final class RateLimiter {

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    private final double perSecond;

    private final int burst;

    public RateLimiter(double perSecond, int burst) {
        this.perSecond = perSecond;
        this.burst = burst;
    }

    /** Takes a token from the key's bucket; false when it is empty. */
    public boolean tryAcquire(String key) {
        return buckets.computeIfAbsent(key, k -> new Bucket(burst)).tryTake(perSecond, burst);
    }

    /** Drops the buckets that are full again: they behave exactly as new ones. */
    public void forgetIdle() {
        buckets.values().removeIf(bucket -> bucket.isFull(perSecond, burst));
    }

    private static final class Bucket {

        private double tokens;

        private long refilledAt = System.nanoTime();

        Bucket(int burst) {
            this.tokens = burst;
        }

        synchronized boolean tryTake(double perSecond, int burst) {
            refill(perSecond, burst);
            if (tokens < 1) {
                return false;
            }
            tokens--;
            return true;
        }

        synchronized boolean isFull(double perSecond, int burst) {
            refill(perSecond, burst);
            return tokens >= burst;
        }

        private void refill(double perSecond, int burst) {
            long now = System.nanoTime();
            tokens = Math.min(burst, tokens + (now - refilledAt) * perSecond / 1e9);
            refilledAt = now;
        }
    }
}
