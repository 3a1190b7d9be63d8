package io.talkwire.stomp;

import java.time.Instant;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.auth.TokenService;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.messaging.simp.stomp.StompHeaders;

import static org.assertj.core.api.Assertions.assertThat;

/** Everything the contract (docs/protocol.md) refuses gets an ERROR frame that says why, then the connection is closed. */
class StompAccessIT extends IntegrationTest {

    @Autowired
    TokenService tokens;

    @Test
    void connectWithoutATokenIsRefused() {
        assertThat(StompTestClient.refusedConnect(port, new StompHeaders())).contains("Authorization");
    }

    @Test
    void connectWithAMalformedHeaderIsRefused() {
        assertThat(refusedConnect("Token abc")).contains("Bearer");
        assertThat(refusedConnect("Bearer not-a-jwt")).contains("malformed");
    }

    @Test
    void connectWithATokenSignedByAnotherKeyIsRefused() {
        String token = api().newUser("mallory").token();
        String[] parts = token.split("\\.");
        String forged = parts[0] + "." + parts[1] + "." + "A".repeat(parts[2].length());
        assertThat(refusedConnect("Bearer " + forged)).contains("not signed by Talkwire");
    }

    @Test
    void connectWithAnUnsignedTokenIsRefused() {
        String token = api().newUser("mallory").token();
        String payload = token.split("\\.")[1];
        String none = java.util.Base64.getUrlEncoder().withoutPadding()
            .encodeToString("{\"alg\":\"none\"}".getBytes()) + "." + payload + ".";
        assertThat(refusedConnect("Bearer " + none)).contains("not signed by Talkwire");
    }

    @Test
    void connectWithATokenOfAnotherAlgorithmIsRefusedEvenWithOurKey() throws Exception {
        User user = api().newUser("mallory");
        var key = new javax.crypto.spec.SecretKeySpec(io.talkwire.TestServices.JWT_SECRET.getBytes(), "HmacSHA384");
        var hs384 = org.springframework.security.oauth2.jwt.NimbusJwtEncoder.withSecretKey(key)
            .algorithm(org.springframework.security.oauth2.jose.jws.MacAlgorithm.HS384).build();
        var claims = org.springframework.security.oauth2.jwt.JwtClaimsSet.builder().issuer("talkwire").subject(user.name())
            .expiresAt(Instant.now().plusSeconds(600)).build();
        String token = hs384.encode(org.springframework.security.oauth2.jwt.JwtEncoderParameters.from(
                org.springframework.security.oauth2.jwt.JwsHeader.with(org.springframework.security.oauth2.jose.jws.MacAlgorithm.HS384).build(),
                claims)).getTokenValue();
        assertThat(refusedConnect("Bearer " + token)).contains("not signed by Talkwire");
        assertThat(api().get("/api/me", token).status()).isEqualTo(401);
    }

    @Test
    void connectWithAnExpiredTokenIsRefused() {
        User user = api().newUser("late");
        String expired = tokens.issue(user.name(), Instant.now().minusSeconds(60)).accessToken();
        assertThat(refusedConnect("Bearer " + expired)).contains("expired");
    }

    @ParameterizedTest
    @ValueSource(strings = { "/topic/rooms.1", "/exchange/amq.topic/rooms.1", "/queue/events", "/amq/queue/anything",
            "/temp-queue/x", "/reply-queue/x", "/app/rooms.1.sendx", "/app/other", "/user/queue/events",
            "/APP/rooms.1.send", "/app/../topic/rooms.1", "/app/rooms.1.send/../../topic/x", "/app/rooms.%31.send",
            "/app//rooms.1.send", "/exchange/amq.direct/events-user.alice", "/user/alice/queue/events" })
    void sendingToAnythingButARoomSendDestinationIsRefused(String destination) {
        User user = api().newUser("sender");
        try (StompTestClient client = connect(user)) {
            client.sendWithoutReceipt(destination, "{\"content\":\"sneaky\"}");
            assertThat(client.expectErrorAndClose()).contains("/app/rooms.{roomId}.send");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "/topic/#", "/topic/rooms.*", "/topic/rooms.#", "/topic/*.*", "/exchange/amq.topic/#",
            "/exchange/amq.topic/rooms.*", "/queue/events", "/topic/other", "/user/queue/other", "/amq/queue/x",
            "/topic/rooms.1.x", "/user/someone/queue/events", "/user/someone/queue/errors", "/queue/events-user1",
            "/queue/errors-useralice-1", "/exchange/amq.direct/events-user.alice", "/exchange/amq.direct/errors-userx-1",
            "/temp-queue/x", "/reply-queue/x", "/TOPIC/rooms.1", "/Topic/rooms.1", "/topic/ROOMS.1",
            "/topic/rooms..1", "/topic/rooms.1/../2", "/topic/rooms.%31", "/topic/rooms.-1", "/user/queue/events/../errors",
            "/user/queue/events.x", "/topic/talkwire.revocations", "/topic/simp-user-registry",
            "/topic/unresolved-user-destination",
            "/topic/rooms.12345678901234567890123456789012345678901234567890123456789012345678901234567890" })
    void subscribingToWildcardsOrUnknownDestinationsIsRefused(String destination) {
        User user = api().newUser("snoop");
        try (StompTestClient client = connect(user)) {
            assertThat(client.refusedSubscribe(destination)).contains("SUBSCRIBE is allowed only to");
        }
    }

    /** A refusal right after CONNECTED once lost its ERROR frame to a close that came too early: never again. */
    @Test
    void aRefusalRightAfterConnectAlwaysCarriesItsErrorFrame() {
        User user = api().newUser("hasty");
        for (int i = 0; i < 30; i++) {
            try (StompTestClient client = connect(user)) {
                assertThat(client.refusedSubscribe("/topic/other")).contains("SUBSCRIBE is allowed only to");
            }
        }
    }

    @Test
    void aNonMemberCannotSubscribeToAPrivateRoom() {
        Api api = api();
        User owner = api.newUser("owner");
        User stranger = api.newUser("stranger");
        long room = api.createRoom(owner, "PRIVATE");
        try (StompTestClient client = connect(stranger)) {
            assertThat(client.refusedSubscribe("/topic/rooms." + room)).contains("no room " + room);
        }
        try (StompTestClient client = connect(owner)) {
            client.subscribe("/topic/rooms." + room);
            assertThat(client.isConnected()).isTrue();
        }
    }

    private String refusedConnect(String authorization) {
        StompHeaders headers = new StompHeaders();
        headers.add("Authorization", authorization);
        return StompTestClient.refusedConnect(port, headers);
    }
}
