package io.talkwire;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A token bucket per key (a user, an address): {@code burst} at once, {@code perSecond} sustained. Once a minute the
 * buckets that have filled up again are forgotten (they behave exactly as new ones), by whichever call comes first
 * after the minute is up: keys seen once cost nothing for long, and no caller has to remember to sweep (a key per
 * client address would otherwise grow without end).
 */
public final class RateLimiter {

    private static final long SWEEP_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    private final double perSecond;

    private final int burst;

    private final LongSupplier nanoTime;

    private final AtomicLong nextSweep;

    public RateLimiter(double perSecond, int burst) {
        this(perSecond, burst, System::nanoTime);
    }

    RateLimiter(double perSecond, int burst, LongSupplier nanoTime) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.nanoTime = nanoTime;
        this.nextSweep = new AtomicLong(nanoTime.getAsLong() + SWEEP_EVERY_NANOS);
    }

    /** Takes a token from the key's bucket; false when it is empty. */
    public boolean tryAcquire(String key) {
        long now = nanoTime.getAsLong();
        long sweepAt = nextSweep.get();
        if (now - sweepAt >= 0 && nextSweep.compareAndSet(sweepAt, now + SWEEP_EVERY_NANOS)) {
            buckets.values().removeIf(bucket -> bucket.isFull(now, perSecond, burst));
        }
        return buckets.computeIfAbsent(key, k -> new Bucket(burst, now)).tryTake(now, perSecond, burst);
    }

    /** Keys remembered: those whose bucket is not full again, and those seen since the last sweep. */
    int keys() {
        return buckets.size();
    }

    private static final class Bucket {

        private double tokens;

        private long refilledAt;

        Bucket(int burst, long now) {
            this.tokens = burst;
            this.refilledAt = now;
        }

        synchronized boolean tryTake(long now, double perSecond, int burst) {
            refill(now, perSecond, burst);
            if (tokens < 1) {
                return false;
            }
            tokens--;
            return true;
        }

        synchronized boolean isFull(long now, double perSecond, int burst) {
            refill(now, perSecond, burst);
            return tokens >= burst;
        }

        private void refill(long now, double perSecond, int burst) {
            if (now - refilledAt > 0) {
                tokens = Math.min(burst, tokens + (now - refilledAt) * perSecond / 1e9);
                refilledAt = now;
            }
        }
    }
}
