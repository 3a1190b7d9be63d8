package io.talkwire.auth;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidationException;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VerifiedTokensTest {

    private static final Instant ISSUED = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    private final SecretKey key = new SecretKeySpec("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8),
            "HmacSHA256");

    private final AtomicInteger signatureChecks = new AtomicInteger();

    private final Set<String> signedOut = ConcurrentHashMap.newKeySet();

    private Clock clock = Clock.fixed(ISSUED, ZoneOffset.UTC);

    private final VerifiedTokens tokens = new VerifiedTokens(counting(), validator());

    @Test
    void aTokenUsedAgainHasItsSignatureCheckedOnce() {
        String token = token("alice", Duration.ofHours(1));

        Jwt first = tokens.decode(token);
        Jwt second = tokens.decode(token);

        assertThat(signatureChecks).hasValue(1);
        assertThat(second.getSubject()).isEqualTo("alice").isEqualTo(first.getSubject());
        assertThat(tokens.size()).isEqualTo(1);
    }

    @Test
    void everyUseIsValidatedAgain() {
        String token = token("alice", Duration.ofMinutes(1));
        tokens.decode(token);

        clock = Clock.fixed(ISSUED.plus(Duration.ofMinutes(2)), ZoneOffset.UTC);

        assertThatThrownBy(() -> tokens.decode(token))
            .isInstanceOfSatisfying(JwtValidationException.class, refused -> assertThat(refused.getErrors())
                .anySatisfy(error -> assertThat(error.getDescription()).contains("expired")));
    }

    @Test
    void aTokenOfAUserSignedOutEverywhereIsRefusedAtItsNextUse() {
        String token = token("alice", Duration.ofHours(1));
        tokens.decode(token);

        signedOut.add("alice");

        assertThatThrownBy(() -> tokens.decode(token))
            .isInstanceOf(JwtValidationException.class)
            .hasMessage("An error occurred while attempting to decode the Jwt: " + TokenGenerations.SIGNED_OUT);
    }

    @Test
    void aTamperedTokenIsRefusedAndNotKept() {
        String token = token("alice", Duration.ofHours(1));
        String[] parts = token.split("\\.");
        String forged = parts[0] + "." + token("mallory", Duration.ofHours(1)).split("\\.")[1] + "." + parts[2];

        assertThatThrownBy(() -> tokens.decode(forged)).isInstanceOf(BadJwtException.class);
        assertThatThrownBy(() -> tokens.decode(forged)).isInstanceOf(BadJwtException.class);
        assertThat(signatureChecks).hasValue(2);
        assertThat(tokens.size()).isZero();
    }

    @Test
    void expiredTokensAreForgotten() {
        String alice = token("alice", Duration.ofHours(1));
        tokens.decode(alice);
        tokens.decode(token("bob", ISSUED.minus(Duration.ofHours(1)), Duration.ofMinutes(61)));
        clock = Clock.fixed(ISSUED.plus(Duration.ofMinutes(5)), ZoneOffset.UTC);

        tokens.forgetExpired(clock.instant());

        assertThat(tokens.size()).isEqualTo(1);
        assertThat(tokens.decode(alice).getSubject()).isEqualTo("alice");
        assertThat(signatureChecks).hasValue(2);
    }

    @Test
    void aTokenRefusedOnItsFirstUseIsNotKept() {
        signedOut.add("alice");
        String token = token("alice", Duration.ofHours(1));

        assertThatThrownBy(() -> tokens.decode(token)).isInstanceOf(JwtValidationException.class);
        assertThat(tokens.size()).isZero();
    }

    private String token(String user, Duration ttl) {
        return token(user, ISSUED, ttl);
    }

    private String token(String user, Instant issuedAt, Duration ttl) {
        JwtClaimsSet claims = JwtClaimsSet.builder()
            .subject(user)
            .issuer(TokenService.ISSUER)
            .issuedAt(issuedAt)
            .expiresAt(issuedAt.plus(ttl))
            .build();
        return NimbusJwtEncoder.withSecretKey(key).algorithm(MacAlgorithm.HS256).build()
            .encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).build(), claims))
            .getTokenValue();
    }

    private JwtDecoder counting() {
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withSecretKey(key).macAlgorithm(MacAlgorithm.HS256).build();
        decoder.setJwtValidator(jwt -> OAuth2TokenValidatorResult.success());
        return token -> {
            signatureChecks.incrementAndGet();
            return decoder.decode(token);
        };
    }

    private OAuth2TokenValidator<Jwt> validator() {
        OAuth2TokenValidator<Jwt> timestamps = jwt -> {
            JwtTimestampValidator now = new JwtTimestampValidator(Duration.ofSeconds(5));
            now.setClock(clock);
            return now.validate(jwt);
        };
        OAuth2TokenValidator<Jwt> generations = jwt -> signedOut.contains(jwt.getSubject())
                ? OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", TokenGenerations.SIGNED_OUT, null))
                : OAuth2TokenValidatorResult.success();
        return new DelegatingOAuth2TokenValidator<>(timestamps, generations);
    }
}
