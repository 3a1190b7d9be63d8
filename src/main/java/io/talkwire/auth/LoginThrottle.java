package io.talkwire.auth;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import io.talkwire.TalkwireProperties;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

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

    private final JdbcClient jdbc;

    private final int limit;

    LoginThrottle(JdbcClient jdbc, TalkwireProperties properties) {
        this.jdbc = jdbc;
        this.limit = properties.limits().loginFailures();
    }

    /**
     * Counts a login as failed before its password is checked, and returns when; empty, counting nothing, when the
     * username from that address or the address is past its ceiling. Counted first, one attempt at a time per key (a
     * lock held until the commit), so that guesses sent at once cannot all pass before any of them has failed.
     */
    @Transactional
    Optional<Instant> attempt(String username, String address) {
        String pair = pairKey(username, address);
        String addr = addressKey(address);
        lock(pair);
        lock(addr);
        if (failures(pair) >= limit || failures(addr) >= addressLimit()) {
            return Optional.empty();
        }
        count(pair);
        return Optional.of(count(addr));
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

    private void lock(String key) {
        jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))").param(key).query(rs -> { });
    }

    private Instant count(String key) {
        jdbc.sql("DELETE FROM login_failures WHERE key = ? AND failed_at <= now() - make_interval(secs => ?)")
            .params(key, WINDOW.toSeconds())
            .update();
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
        return "pair:" + truncate(UserService.normalize(username), 48) + "@" + truncate(address, 45);
    }

    private static String addressKey(String address) {
        return "addr:" + truncate(address, 90);
    }

    private static String truncate(String value, int length) {
        return value.length() > length ? value.substring(0, length) : value;
    }
}
