package io.talkwire.cluster;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.PackagedInstance;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** An instance killed with SIGKILL holds presence only until its lease runs out; a survivor announces the LEAVEs. */
class CrashIT extends IntegrationTest {

    @Test
    void aSurvivorAnnouncesLeaveForTheUsersOfAKilledInstanceWithin30Seconds() throws Exception {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long room = api.createRoom(alice, "PUBLIC");
        int port = PackagedInstance.freePort();
        Process doomed = PackagedInstance.start(port, Map.of(), "crash-instance");
        try {
            await().atMost(Duration.ofSeconds(90)).ignoreExceptions()
                .until(() -> new Api(port).get("/actuator/health", null).status() == 200);
            try (StompTestClient bobHere = connect(bob)) {
                Inbox watcher = bobHere.subscribe("/topic/rooms." + room);
                StompTestClient aliceThere = StompTestClient.connect(port, alice.token());
                aliceThere.subscribe("/topic/rooms." + room);
                assertThat(watcher.next(e -> isAbout(e, "JOIN", alice)).get("online").asLong()).isEqualTo(2);

                doomed.destroyForcibly(); // SIGKILL: no shutdown hook, no DISCONNECT, no cleanup
                assertThat(doomed.waitFor(10, TimeUnit.SECONDS)).isTrue();
                long killedAt = System.nanoTime();

                JsonNode leave = watcher.next(e -> isAbout(e, "LEAVE", alice), Duration.ofSeconds(40));
                Duration took = Duration.ofNanos(System.nanoTime() - killedAt);
                assertThat(took).isLessThanOrEqualTo(Duration.ofSeconds(30));
                assertThat(leave.get("online").asLong()).isEqualTo(1);
                assertThat(api.get("/api/rooms/" + room, bob.token()).json().get("onlineCount").asLong()).isEqualTo(1);
            }
        }
        finally {
            doomed.destroyForcibly();
        }
    }

    private static boolean isAbout(JsonNode event, String type, User user) {
        return type.equals(event.path("type").asString()) && user.name().equals(event.path("user").asString());
    }
}
