package io.talkwire.auth;

import java.time.Instant;

import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.stereotype.Service;

/** Issues the access tokens that REST calls and STOMP CONNECT frames carry. */
@Service
public class TokenService {

    static final String ISSUER = "talkwire";

    private final JwtEncoder encoder;

    private final JwtProperties properties;

    TokenService(JwtEncoder encoder, JwtProperties properties) {
        this.encoder = encoder;
        this.properties = properties;
    }

    public TokenResponse issue(String username) {
        return issue(username, Instant.now().plus(properties.ttl()));
    }

    /** A token for {@code username} that expires at {@code expiresAt} (in the past too: tests use that). */
    public TokenResponse issue(String username, Instant expiresAt) {
        Instant now = Instant.now();
        JwtClaimsSet claims = JwtClaimsSet.builder()
            .issuer(ISSUER)
            .subject(username)
            .issuedAt(now.isBefore(expiresAt) ? now : expiresAt.minusSeconds(1))
            .expiresAt(expiresAt)
            .build();
        JwsHeader header = JwsHeader.with(MacAlgorithm.HS256).build();
        String token = encoder.encode(JwtEncoderParameters.from(header, claims)).getTokenValue();
        return new TokenResponse(token, "Bearer", Math.max(0, expiresAt.getEpochSecond() - now.getEpochSecond()));
    }

    public record TokenResponse(String accessToken, String tokenType, long expiresIn) {
    }
}
