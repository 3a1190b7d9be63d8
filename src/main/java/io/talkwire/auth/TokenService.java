package io.talkwire.auth;

import java.time.Instant;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.stereotype.Service;

/**
 * Issues the access tokens that REST calls and STOMP CONNECT frames carry, with the refresh tokens that renew them
 * ({@link RefreshTokens}), and signs users out.
 */
@Service
public class TokenService {

    static final String ISSUER = "talkwire";

    private final JwtEncoder encoder;

    private final JwtProperties properties;

    private final RefreshTokens refreshTokens;

    private final TokenGenerations generations;

    TokenService(JwtEncoder encoder, JwtProperties properties, RefreshTokens refreshTokens, TokenGenerations generations) {
        this.encoder = encoder;
        this.properties = properties;
        this.refreshTokens = refreshTokens;
        this.generations = generations;
    }

    /** A new login: an access token and the first refresh token of its family. */
    TokenResponse login(String username) {
        return withRefresh(refreshTokens.issue(username));
    }

    /** Spends the refresh token for fresh tokens; empty if it is unknown, expired, revoked or spent. */
    Optional<TokenResponse> refresh(String refreshToken) {
        return refreshTokens.rotate(refreshToken).map(this::withRefresh);
    }

    /** Ends the login of this refresh token, if it is one of {@code username}'s. */
    boolean logout(String refreshToken, String username) {
        return refreshTokens.revokeLogin(refreshToken, username);
    }

    /** Ends every login of the user: refresh tokens revoked, access tokens issued so far refused. */
    void logoutEverywhere(String username) {
        generations.movedOn(username, refreshTokens.revokeAll(username));
    }

    /** An access token for {@code username} that expires at {@code expiresAt} (in the past too: tests use that). */
    public TokenResponse issue(String username, Instant expiresAt) {
        return issue(username, expiresAt, generations.read(username));
    }

    private TokenResponse issue(String username, Instant expiresAt, long generation) {
        Instant now = Instant.now();
        JwtClaimsSet claims = JwtClaimsSet.builder()
            .issuer(ISSUER)
            .subject(username)
            .issuedAt(now.isBefore(expiresAt) ? now : expiresAt.minusSeconds(1))
            .expiresAt(expiresAt)
            .claim(TokenGenerations.CLAIM, generation)
            .build();
        JwsHeader header = JwsHeader.with(MacAlgorithm.HS256).build();
        String token = encoder.encode(JwtEncoderParameters.from(header, claims)).getTokenValue();
        return new TokenResponse(token, "Bearer", Math.max(0, expiresAt.getEpochSecond() - now.getEpochSecond()), null,
                null);
    }

    /** The access token carries the generation read with the refresh token, under the same lock. */
    private TokenResponse withRefresh(RefreshTokens.Issued issued) {
        TokenResponse access = issue(issued.username(), Instant.now().plus(properties.ttl()), issued.generation());
        return new TokenResponse(access.accessToken(), access.tokenType(), access.expiresIn(), issued.refreshToken(),
                refreshTokens.ttl().toSeconds());
    }

    /** The login and refresh response; the refresh fields are absent only for tokens issued by tests. */
    public record TokenResponse(String accessToken, String tokenType, long expiresIn, @Nullable String refreshToken,
            @Nullable Long refreshExpiresIn) {
    }
}
