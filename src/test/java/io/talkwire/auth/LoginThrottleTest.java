package io.talkwire.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.talkwire.TalkwireProperties;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.server.ResponseStatusException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

class LoginThrottleTest {

    /**
     * While a login from one address is being counted, the next from there waits in line (and past 2 s is refused),
     * and a login from any other address goes ahead: one address's flood holds up nobody else.
     */
    @Test
    void anAddressWaitsInItsOwnLine() throws Exception {
        TalkwireProperties properties = mock(TalkwireProperties.class);
        TalkwireProperties.Limits limits = mock(TalkwireProperties.Limits.class);
        when(properties.limits()).thenReturn(limits);
        when(limits.loginFailures()).thenReturn(5);
        TransactionTemplate transactions = mock(TransactionTemplate.class);
        CountDownLatch counting = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        when(transactions.execute(any())).thenAnswer(call -> {
            if (Thread.currentThread().getName().equals("flood")) {
                counting.countDown();
                assertThat(release.await(10, TimeUnit.SECONDS)).isTrue(); // PostgreSQL slow to count it, say
            }
            return Optional.of(Instant.EPOCH);
        });
        LoginThrottle throttle = new LoginThrottle(mock(JdbcClient.class), transactions, properties);
        String flooded = "203.0.113.7";
        String other = otherAddressWithTheSameHashBucket(flooded);

        Thread flood = Thread.ofPlatform().name("flood").start(() -> throttle.attempt("mallory", flooded));
        assertThat(counting.await(10, TimeUnit.SECONDS)).isTrue();
        long started = System.nanoTime();
        assertThat(throttle.attempt("alice", other)).contains(Instant.EPOCH);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        assertThatThrownBy(() -> throttle.attempt("mallory", flooded))
            .isInstanceOfSatisfying(ResponseStatusException.class,
                    refused -> assertThat(refused.getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS));
        release.countDown();
        flood.join(10_000);
        assertThat(throttle.attempt("mallory", flooded)).contains(Instant.EPOCH);
    }

    /** An address that a table of locks striped by hash (64 of them) would have put in the same line. */
    private static String otherAddressWithTheSameHashBucket(String address) {
        for (int i = 1; ; i++) {
            String other = "198.51.100." + i;
            if (Math.floorMod(other.hashCode(), 64) == Math.floorMod(address.hashCode(), 64)) {
                return other;
            }
        }
    }
}
