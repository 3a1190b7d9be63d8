package io.talkwire.auth;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.stereotype.Component;

/**
 * "Log out everywhere" for access tokens: each carries its user's token generation (claim {@value #CLAIM}), and a
 * token of an older generation than the user's is refused, over REST and on STOMP CONNECT. Generations are read from
 * PostgreSQL at most every {@link #FRESH_NANOS} per user and instance, and never go back: the instance that moves a
 * generation on knows at once, the others when told ({@link #forget}) or within that time.
 */
@Component
public class TokenGenerations implements OAuth2TokenValidator<Jwt> {

    static final String CLAIM = "gen";

    private static final long FRESH_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** The description of a refused token's error. */
    public static final String SIGNED_OUT = "signed out everywhere";

    private static final OAuth2Error SIGNED_OUT_ERROR = new OAuth2Error("invalid_token", SIGNED_OUT, null);

    private final Map<String, Known> known = new ConcurrentHashMap<>();

    private final JdbcClient jdbc;

    TokenGenerations(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    private long current(String username) {
        Known cached = known.get(username);
        if (cached != null && System.nanoTime() - cached.readAt() < FRESH_NANOS) {
            return cached.generation();
        }
        long generation = jdbc.sql("SELECT token_generation FROM users WHERE username = ?")
            .param(username)
            .query(Long.class)
            .optional()
            .orElse(Long.MAX_VALUE); // no such user (any more): no token of theirs is valid
        return remember(username, generation);
    }

    /** The user's generation as stored now (for a token about to be issued). */
    long read(String username) {
        return jdbc.sql("SELECT token_generation FROM users WHERE username = ?")
            .param(username)
            .query(Long.class)
            .optional()
            .orElseThrow(() -> new IllegalStateException("no user " + username));
    }

    /** The user's generation moved on to {@code generation} here. */
    void movedOn(String username, long generation) {
        remember(username, generation);
    }

    /** Another instance moved the user's generation on: read it again at the next token. */
    public void forget(String username) {
        known.remove(username);
    }

    /** Whether a token with these claims is of its user's current generation. */
    public boolean isCurrent(Jwt token) {
        // tokens issued before generations existed count as the first one
        long generation = token.getClaims().get(CLAIM) instanceof Number number ? number.longValue() : 0;
        return token.getSubject() != null && generation >= current(token.getSubject());
    }

    @Override
    public OAuth2TokenValidatorResult validate(Jwt token) {
        return isCurrent(token) ? OAuth2TokenValidatorResult.success() : OAuth2TokenValidatorResult.failure(SIGNED_OUT_ERROR);
    }

    /** Keeps the higher of what is known and what was read: a read that started before a move never undoes it. */
    private long remember(String username, long generation) {
        return known.merge(username, new Known(generation, System.nanoTime()),
                (old, read) -> read.generation() >= old.generation() ? read : new Known(old.generation(), read.readAt()))
            .generation();
    }

    @Scheduled(fixedDelay = 60_000)
    void forgetStale() {
        long now = System.nanoTime();
        known.values().removeIf(entry -> now - entry.readAt() > FRESH_NANOS);
    }

    private record Known(long generation, long readAt) {
    }
}
