package io.talkwire;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A bucket per key, on a clock the test moves; keys whose bucket is full again are forgotten without being asked. */
class RateLimiterTest {

    private final AtomicLong now = new AtomicLong(1_000);

    @Test
    void aKeyTakesItsBurstThenItsRate() {
        RateLimiter limiter = new RateLimiter(2, 3, now::get);
        assertThat(limiter.tryAcquire("a")).isTrue();
        assertThat(limiter.tryAcquire("a")).isTrue();
        assertThat(limiter.tryAcquire("a")).isTrue();
        assertThat(limiter.tryAcquire("a")).isFalse();
        assertThat(limiter.tryAcquire("b")).as("a bucket per key").isTrue();

        advance(TimeUnit.MILLISECONDS.toNanos(500));
        assertThat(limiter.tryAcquire("a")).as("2 per second: one after half a second").isTrue();
        assertThat(limiter.tryAcquire("a")).isFalse();
    }

    /** As with one new client address after another, each seen once (signups, room creations per hour). */
    @Test
    void keysWhoseBucketIsFullAgainAreForgottenOnceAMinuteByTheNextCall() {
        RateLimiter hourly = new RateLimiter(10 / 3600.0, 10, now::get);
        for (int address = 0; address < 1_000; address++) {
            hourly.tryAcquire("203.0.113." + address);
        }
        assertThat(hourly.keys()).isEqualTo(1_000);

        advance(TimeUnit.MINUTES.toNanos(2)); // a minute passed, but a token takes 6 minutes to come back
        hourly.tryAcquire("another");
        assertThat(hourly.keys()).as("not full again: still counted").isEqualTo(1_001);

        advance(TimeUnit.MINUTES.toNanos(10));
        assertThat(hourly.tryAcquire("203.0.113.0")).isTrue();
        assertThat(hourly.keys()).as("full again: forgotten, but for the key of this call").isEqualTo(1);
    }

    private void advance(long nanos) {
        now.addAndGet(nanos);
    }
}
