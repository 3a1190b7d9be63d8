package io.talkwire;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

import io.talkwire.Api.User;
import io.talkwire.StompTestClient.Inbox;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The default limits, on an instance that keeps them (the other tests raise the send and login limits). */
class LimitsIT extends IntegrationTest {

    private static TalkwireInstance limited;

    @BeforeAll
    static void startWithDefaultLimits() {
        limited = TalkwireInstance.start(Map.of("talkwire.limits.send-per-second", 10, "talkwire.limits.send-burst", 20,
                "talkwire.limits.login-failures", 5));
    }

    @AfterAll
    static void stop() {
        limited.close();
    }

    @Test
    void sendsOverTheRateGetRateLimitedEventsAndTheSessionStaysOpen() throws Exception {
        Api api = limited.api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        try (StompTestClient client = StompTestClient.connect(limited.port(), alice.token())) {
            Inbox errors = client.subscribe("/user/queue/errors");
            List<CompletableFuture<Void>> receipts = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                receipts.add(client.send("/app/rooms." + room + ".send", "{\"content\":\"m" + i + "\"}", "r" + i));
            }
            JsonNode limitedEvent = errors.next();
            assertThat(limitedEvent.get("code").asString()).isEqualTo("RATE_LIMITED");
            assertThat(limitedEvent.get("receiptId").asString()).startsWith("r");
            Thread.sleep(1500);
            long receipted = receipts.stream().filter(CompletableFuture::isDone).count();
            assertThat(receipted).isBetween(20L, 22L);
            assertThat(client.isConnected()).isTrue();
            // the bucket refills: one more is fine
            StompTestClient.await(client.send("/app/rooms." + room + ".send", "{\"content\":\"later\"}", "later"));
            assertThat(api.get("/api/rooms/" + room, alice.token()).json().get("lastSeq").asLong()).isEqualTo(receipted + 1);
        }
    }

    @Test
    void theTwentyFirstSessionOfAUserIsRefused() {
        User bob = limited.api().newUser("bob");
        List<StompTestClient> sessions = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                sessions.add(StompTestClient.connect(limited.port(), bob.token()));
            }
            assertThat(StompTestClient.refusedConnectWithToken(limited.port(), bob.token())).contains("too many sessions");
            sessions.removeFirst().close();
            await().untilAsserted(() -> {
                StompTestClient again = StompTestClient.connect(limited.port(), bob.token());
                sessions.add(again);
            });
        }
        finally {
            sessions.forEach(StompTestClient::close);
        }
    }

    @Test
    void theHundredAndFirstSubscriptionOfASessionIsRefused() {
        User carol = limited.api().newUser("carol");
        try (StompTestClient client = StompTestClient.connect(limited.port(), carol.token())) {
            for (int i = 0; i < 100; i++) {
                client.subscribe("/user/queue/errors");
            }
            assertThat(client.refusedSubscribe("/user/queue/events")).contains("too many subscriptions");
        }
    }

    @Test
    void repeatedFailedLoginsForOneUsernameGet429EvenWithTheRightPassword() {
        User dave = limited.api().newUser("dave");
        String address = randomAddress();
        for (int i = 0; i < 5; i++) {
            assertThat(login(dave.name(), "wrong password", address)).isEqualTo(401);
        }
        assertThat(login(dave.name(), "secret-pass", address)).isEqualTo(429);
        assertThat(login(dave.name(), "secret-pass", randomAddress())).isEqualTo(429);
    }

    @Test
    void repeatedFailedLoginsFromOneAddressGet429ForEveryUsername() {
        User erin = limited.api().newUser("erin");
        String address = randomAddress();
        for (int i = 0; i < 5; i++) {
            assertThat(login(Api.uniqueName("guess"), "whatever1", address)).isEqualTo(401);
        }
        assertThat(login(erin.name(), "secret-pass", address)).isEqualTo(429);
        assertThat(login(erin.name(), "secret-pass", randomAddress())).isEqualTo(200);
    }

    /** As if behind nginx, which sets X-Forwarded-For (trusted from loopback and private networks only). */
    private static int login(String username, String password, String clientAddress) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + limited.port() + "/api/auth/login"))
            .header("Content-Type", "application/json")
            .header("X-Forwarded-For", clientAddress)
            .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"%s\",\"password\":\"%s\"}".formatted(username, password)))
            .build();
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 429) {
                assertThat(Api.parse(response.body()).get("detail").asString()).contains("too many failed logins");
            }
            return response.statusCode();
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static String randomAddress() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return "203.0." + random.nextInt(256) + "." + random.nextInt(1, 255);
    }
}
