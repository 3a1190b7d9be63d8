package io.talkwire.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Opaque refresh tokens: 256 random bits, stored only as their SHA-256 hash. Every refresh spends the token and
 * issues the next one of the same family (one family per login); presenting a spent token again means someone else
 * holds the family's tokens, so the whole family is revoked, however soon it comes (the contract's rule: a client
 * that lost a refresh's answer signs in again).
 * <p>
 * Every change to a user's refresh tokens first locks the user's row, so a refresh and a logout (or a logout
 * everywhere) of the same user happen one after the other: a refresh never slips a new token past a logout.
 */
@Component
class RefreshTokens {

    private static final SecureRandom RANDOM = new SecureRandom();

    private static final int BYTES = 32;

    private final JdbcClient jdbc;

    private final Duration ttl;

    RefreshTokens(JdbcClient jdbc, JwtProperties properties) {
        this.jdbc = jdbc;
        this.ttl = properties.refreshTtl();
    }

    Duration ttl() {
        return ttl;
    }

    /** The first token of a new login, with the user's token generation (for the access token issued with it). */
    @Transactional
    Issued issue(String username) {
        long generation = lockUser(username).orElseThrow(() -> new IllegalStateException("no user " + username));
        return new Issued(username, issue(username, UUID.randomUUID()), generation);
    }

    /**
     * Spends the token and returns the next token of its family; empty if it is unknown, expired, revoked or already
     * spent (then its family is revoked).
     */
    @Transactional
    Optional<Issued> rotate(String token) {
        Optional<String> owner = jdbc.sql("SELECT username FROM refresh_tokens WHERE token_hash = ?")
            .param(hash(token))
            .query(String.class)
            .optional();
        if (owner.isEmpty()) {
            return Optional.empty();
        }
        Optional<Long> generation = lockUser(owner.get());
        Optional<Row> found = jdbc.sql("""
                SELECT family, expires_at < now() AS expired, spent_at IS NOT NULL AS spent
                FROM refresh_tokens WHERE token_hash = ?
                """)
            .param(hash(token))
            .query((rs, n) -> new Row((UUID) rs.getObject("family"), rs.getBoolean("expired"), rs.getBoolean("spent")))
            .optional();
        if (generation.isEmpty() || found.isEmpty() || found.get().expired()) {
            return Optional.empty(); // revoked while we waited for the lock, or expired
        }
        Row row = found.get();
        if (row.spent()) {
            revokeFamily(row.family());
            return Optional.empty();
        }
        jdbc.sql("UPDATE refresh_tokens SET spent_at = now() WHERE token_hash = ?").param(hash(token)).update();
        return Optional.of(new Issued(owner.get(), issue(owner.get(), row.family()), generation.get()));
    }

    /** Revokes the login the token belongs to, if it is {@code username}'s; false if it is not a token of theirs. */
    @Transactional
    boolean revokeLogin(String token, String username) {
        lockUser(username);
        Optional<UUID> family = jdbc.sql("SELECT family FROM refresh_tokens WHERE token_hash = ? AND username = ?")
            .params(hash(token), username)
            .query(UUID.class)
            .optional();
        family.ifPresent(this::revokeFamily);
        return family.isPresent();
    }

    /** Every login of the user ends: their refresh tokens go, and their token generation moves on (one transaction). */
    @Transactional
    long revokeAll(String username) {
        long generation = jdbc.sql("UPDATE users SET token_generation = token_generation + 1 WHERE username = ? RETURNING token_generation")
            .param(username)
            .query(Long.class)
            .single();
        jdbc.sql("DELETE FROM refresh_tokens WHERE username = ?").param(username).update();
        return generation;
    }

    /** Expired tokens are of no use to anyone, spent ones only until they expire. */
    @Scheduled(initialDelay = 60_000, fixedDelay = 3_600_000)
    void forgetExpired() {
        jdbc.sql("DELETE FROM refresh_tokens WHERE expires_at < now()").update();
    }

    /** The user's token generation, with their row locked until the transaction ends; empty if there is no such user. */
    private Optional<Long> lockUser(String username) {
        return jdbc.sql("SELECT token_generation FROM users WHERE username = ? FOR UPDATE")
            .param(username)
            .query(Long.class)
            .optional();
    }

    private void revokeFamily(UUID family) {
        jdbc.sql("DELETE FROM refresh_tokens WHERE family = ?").param(family).update();
    }

    private String issue(String username, UUID family) {
        byte[] random = new byte[BYTES];
        RANDOM.nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        jdbc.sql("INSERT INTO refresh_tokens (token_hash, family, username, expires_at) VALUES (?, ?, ?, now() + make_interval(secs => ?))")
            .params(hash(token), family, username, ttl.toSeconds())
            .update();
        return token;
    }

    private static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** A refresh token of {@code username}, and the token generation the access token issued with it carries. */
    record Issued(String username, String refreshToken, long generation) {
    }

    private record Row(UUID family, boolean expired, boolean spent) {
    }
}
