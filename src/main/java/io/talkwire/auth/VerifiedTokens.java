package io.talkwire.auth;

import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidationException;

/**
 * Access tokens whose signature has been checked, kept by their text until they expire, so that a token used again (a
 * client's next STOMP session, a reconnect, its next REST call) is not parsed and verified again: that was a seventh
 * of Talkwire's CPU while sessions connected. Every use still runs the validators (expiry, issuer, the user's token
 * generation), so a kept token expires or is signed out everywhere exactly as before; a token refused is not kept. At
 * most {@link #MAX} tokens are kept; while that many are, new ones are checked at every use.
 */
final class VerifiedTokens implements JwtDecoder {

    static final int MAX = 10_000;

    private final JwtDecoder signatures;

    private final OAuth2TokenValidator<Jwt> validator;

    private final Map<String, Jwt> verified = new ConcurrentHashMap<>();

    /**
     * @param signatures checks a token's signature and reads its claims, validating nothing else
     * @param validator  what every use of a token must pass
     */
    VerifiedTokens(JwtDecoder signatures, OAuth2TokenValidator<Jwt> validator) {
        this.signatures = signatures;
        this.validator = validator;
    }

    @Override
    public Jwt decode(String token) {
        if (token == null) {
            throw new BadJwtException("no token");
        }
        Jwt kept = verified.get(token);
        Jwt jwt = kept != null ? kept : signatures.decode(token);
        OAuth2TokenValidatorResult result = validator.validate(jwt);
        if (result.hasErrors()) {
            throw new JwtValidationException(message(result.getErrors()), result.getErrors());
        }
        if (kept == null && verified.size() < MAX) {
            verified.put(token, jwt);
        }
        return jwt;
    }

    @Scheduled(fixedDelay = 60_000)
    void forgetExpired() {
        forgetExpired(Instant.now());
    }

    void forgetExpired(Instant now) {
        verified.values().removeIf(jwt -> jwt.getExpiresAt() == null || jwt.getExpiresAt().isBefore(now));
    }

    int size() {
        return verified.size();
    }

    /** As Spring's own decoder words it. */
    private static String message(Collection<OAuth2Error> errors) {
        return errors.stream()
            .map(OAuth2Error::getDescription)
            .filter(description -> description != null && !description.isEmpty())
            .findFirst()
            .map(description -> "An error occurred while attempting to decode the Jwt: " + description)
            .orElse("Unable to validate Jwt");
    }
}
