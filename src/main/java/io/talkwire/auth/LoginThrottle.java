package io.talkwire.auth;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import io.talkwire.TalkwireProperties;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.server.ResponseStatusException;

/**
 * Throttles password guessing without handing anyone a way to lock a person out. Failed logins are counted over
 * {@link #WINDOW} per username and client address together, and per address: past {@code login-failures} for one
 * username from one address, or {@value #ADDRESS_FACTOR} times that from one address (whatever the usernames), logins
 * from there are refused with 429 before the password is even checked. Nothing counts per username alone, so
 * failures from an attacker's address never block the account's owner elsewhere, and an office or a carrier's NAT
 * shares a ceiling far above what one person mistypes. Counted in PostgreSQL, so every instance applies one count.
 */
@Component
class LoginThrottle {

    static final Duration WINDOW = Duration.ofMinutes(5);

    /** How many more failures an address may have than one username from it. */
    static final int ADDRESS_FACTOR = 20;

    /** How long a login waits for the one before it from the same address (on this instance), at most. */
    private static final Duration QUEUE_WAIT = Duration.ofSeconds(2);

    /** The key space of this class's PostgreSQL advisory locks, apart from those of rooms (single bigint keys). */
    private static final int LOCK_CLASS = 0x4c4f47; // "LOG"

    private final JdbcClient jdbc;

    private final TransactionTemplate transactions;

    private final int limit;

    /**
     * Each address's line of logins on this instance, there while someone is in it: one login at a time, in the order
     * they came, waited for without holding a connection. An address of its own, so that one address's flood never
     * holds up another's logins.
     */
    private final Map<String, Line> lines = new ConcurrentHashMap<>();

    LoginThrottle(JdbcClient jdbc, TransactionTemplate transactions, TalkwireProperties properties) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.limit = properties.limits().loginFailures();
    }

    /**
     * Counts a login as failed before its password is checked, and returns when; empty, counting nothing, when the
     * username from that address or the address is past its ceiling. Counted first, one attempt from an address at a
     * time (a lock on this instance, then PostgreSQL's until the count commits, for every instance), so that guesses
     * sent at once cannot all pass before any of them has failed. A flood from one address waits in line here, not
     * for the connection pool, and past {@link #QUEUE_WAIT} is refused (429).
     */
    Optional<Instant> attempt(String username, String address) {
        String pair = pairKey(username, address);
        Line line = lines.compute(address, (key, existing) -> (existing == null ? new Line() : existing).join());
        try {
            if (!line.lock.tryLock(QUEUE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new ResponseStatusException(HttpStatus.TOO_MANY_REQUESTS,
                        "too many logins from this address at once: try again in a moment");
            }
            try {
                Optional<Instant> counted = transactions.execute(tx -> countAttempt(pair, addressKey(address)));
                return counted == null ? Optional.empty() : counted;
            }
            finally {
                line.lock.unlock();
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "the server is stopping");
        }
        finally {
            lines.computeIfPresent(address, (key, existing) -> existing.leave());
        }
    }

    private Optional<Instant> countAttempt(String pair, String address) {
        jdbc.sql("SELECT pg_advisory_xact_lock(?, hashtext(?))").params(LOCK_CLASS, address).query(rs -> { });
        if (failures(pair) >= limit || failures(address) >= addressLimit()) {
            return Optional.empty();
        }
        count(pair);
        return Optional.of(count(address));
    }

    /** The attempt counted at {@code attempted} was right: not a failure, and the username's from there forgotten. */
    void succeeded(String username, String address, Instant attempted) {
        jdbc.sql("DELETE FROM login_failures WHERE key = ?").param(pairKey(username, address)).update();
        jdbc.sql("""
                DELETE FROM login_failures
                WHERE ctid = (SELECT ctid FROM login_failures WHERE key = ? AND failed_at = ? LIMIT 1)
                """)
            .params(addressKey(address), Timestamp.from(attempted))
            .update();
    }

    /** Whether the address is past its ceiling (failed refreshes, which name no user, count only here). */
    boolean isBlocked(String address) {
        return failures(addressKey(address)) >= addressLimit();
    }

    void failed(String address) {
        count(addressKey(address));
    }

    private long addressLimit() {
        return (long) limit * ADDRESS_FACTOR;
    }

    /**
     * Failures older than the window count for nothing: gone, whether or not their key comes back (a guess at a fresh
     * username from each address would otherwise leave a row for good). On every instance; whichever runs first.
     */
    @Scheduled(initialDelay = 60_000, fixedDelay = 60_000)
    void forgetOld() {
        jdbc.sql("DELETE FROM login_failures WHERE failed_at <= now() - make_interval(secs => ?)")
            .param(WINDOW.toSeconds())
            .update();
    }

    private Instant count(String key) {
        return jdbc.sql("INSERT INTO login_failures (key) VALUES (?) RETURNING failed_at")
            .param(key)
            .query(Timestamp.class)
            .single()
            .toInstant();
    }

    private long failures(String key) {
        return jdbc.sql("SELECT count(*) FROM login_failures WHERE key = ? AND failed_at > now() - make_interval(secs => ?)")
            .params(key, WINDOW.toSeconds())
            .query(Long.class)
            .single();
    }

    private static String pairKey(String username, String address) {
        return "pair:" + truncate(UserService.loginForm(username), 48) + "@" + truncate(address, 45);
    }

    private static String addressKey(String address) {
        return "addr:" + truncate(address, 90);
    }

    private static String truncate(String value, int length) {
        return value.length() > length ? value.substring(0, length) : value;
    }

    /** An address's line: a fair lock, and how many are in the line (changed only inside the map's compute). */
    private static final class Line {

        private final ReentrantLock lock = new ReentrantLock(true);

        private int inLine;

        Line join() {
            inLine++;
            return this;
        }

        /** This line, or null (removed from the map) once nobody is in it. */
        @Nullable Line leave() {
            return --inLine == 0 ? null : this;
        }
    }
}
