package io.talkwire.auth;

import java.time.Instant;
import java.util.Base64;
import java.util.function.UnaryOperator;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tokens signed with Talkwire's own key but with claims it must not accept, checked by the production decoder over
 * REST and STOMP alike: a wrong or missing issuer, an expiry further in the past than the allowed 5 s skew, a
 * not-before in the future, and an unsigned token.
 */
class TokenClaimsIT extends IntegrationTest {

    @Autowired
    JwtEncoder encoder;

    @Test
    void aTokenOfAnotherIssuerIsRefused() {
        assertRefused(signed(claims -> claims.issuer("someone-else")), "not valid");
    }

    @Test
    void aTokenWithoutAnIssuerIsRefused() {
        assertRefused(signed(claims -> claims.claims(map -> map.remove("iss"))), "not valid");
    }

    @Test
    void aTokenExpiredLongerAgoThanTheSkewIsRefused() {
        Instant past = Instant.now().minusSeconds(30);
        assertRefused(signed(claims -> claims.issuedAt(past.minusSeconds(60)).expiresAt(past)), "expired");
    }

    @Test
    void aTokenNotValidBeforeALaterTimeIsRefused() {
        assertRefused(signed(claims -> claims.notBefore(Instant.now().plusSeconds(60))), "not valid");
    }

    @Test
    void anUnsignedTokenIsRefused() {
        String valid = signed(UnaryOperator.identity());
        String payload = valid.split("\\.")[1];
        String none = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes()) + "." + payload + ".";
        assertRefused(none, "not signed by Talkwire");
    }

    @Test
    void theSameTokenUnchangedIsAccepted() {
        String token = signed(UnaryOperator.identity());
        assertThat(api().get("/api/me", token).status()).isEqualTo(200);
        try (StompTestClient client = StompTestClient.connect(port, token)) {
            assertThat(client.isConnected()).isTrue();
        }
    }

    private void assertRefused(String token, String why) {
        Api.Response me = api().get("/api/me", token);
        assertThat(me.status()).isEqualTo(401);
        assertThat(me.contentType()).startsWith("application/problem+json");
        assertThat(StompTestClient.refusedConnectWithToken(port, token)).contains(why);
    }

    /** A token of a real user, signed with Talkwire's key, with its claims changed by {@code change}. */
    private String signed(UnaryOperator<JwtClaimsSet.Builder> change) {
        User user = api().newUser("claims");
        Instant now = Instant.now();
        JwtClaimsSet.Builder claims = JwtClaimsSet.builder().issuer("talkwire").subject(user.name()).issuedAt(now)
            .expiresAt(now.plusSeconds(600));
        return encoder.encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).build(), change.apply(claims).build()))
            .getTokenValue();
    }
}
