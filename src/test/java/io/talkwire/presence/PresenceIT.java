package io.talkwire.presence;

import java.time.Duration;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** JOIN / LEAVE with distinct-user online counts; a second tab adds neither. */
class PresenceIT extends IntegrationTest {

    @Test
    void joinAndLeaveCarryTheDistinctUserCount() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long room = api.createRoom(alice, "PUBLIC");
        String topic = "/topic/rooms." + room;
        try (StompTestClient aliceTab = connect(alice)) {
            Inbox aliceEvents = aliceTab.subscribe(topic);
            assertThat(onlineCount(api, room, alice)).isEqualTo(1);

            StompTestClient bobTab1 = connect(bob);
            bobTab1.subscribe(topic);
            assertPresence(next(aliceEvents, "JOIN", bob), "JOIN", room, bob, 1 + 1);

            // a second tab of bob's: no JOIN, and its close no LEAVE while the first stays
            StompTestClient bobTab2 = connect(bob);
            Inbox bobTab2Events = bobTab2.subscribe(topic);
            assertThat(onlineCount(api, room, alice)).isEqualTo(2);
            bobTab2Events.unsubscribe();
            bobTab2.close();
            assertThat(aliceEvents.drain(Duration.ofSeconds(1))).noneMatch(e -> bob.name().equals(e.path("user").asString()));
            assertThat(onlineCount(api, room, alice)).isEqualTo(2);
            JsonNode members = api.get("/api/rooms/" + room + "/members", alice.token()).json();
            assertThat(members.get(0).get("username").asString()).isEqualTo(alice.name());
            assertThat(members.get(0).get("online").asBoolean()).isTrue();

            // bob's last tab goes: LEAVE, one user left
            bobTab1.close();
            assertPresence(next(aliceEvents, "LEAVE", bob), "LEAVE", room, bob, 1);
            assertThat(onlineCount(api, room, alice)).isEqualTo(1);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(onlineCount(api, room, alice)).isZero());
    }

    @Test
    void unsubscribingAndDroppingTheSocketAreLeavesToo() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long room = api.createRoom(alice, "PUBLIC");
        String topic = "/topic/rooms." + room;
        try (StompTestClient aliceTab = connect(alice); StompTestClient bobTab = connect(bob)) {
            Inbox aliceEvents = aliceTab.subscribe(topic);
            Inbox bobEvents = bobTab.subscribe(topic);
            assertPresence(next(aliceEvents, "JOIN", bob), "JOIN", room, bob, 2);

            bobEvents.unsubscribe();
            assertPresence(next(aliceEvents, "LEAVE", bob), "LEAVE", room, bob, 1);

            bobTab.subscribe(topic);
            assertPresence(next(aliceEvents, "JOIN", bob), "JOIN", room, bob, 2);
        }
    }

    private static JsonNode next(Inbox inbox, String type, User user) {
        return inbox.next(e -> type.equals(e.path("type").asString()) && user.name().equals(e.path("user").asString()));
    }

    private static long onlineCount(Api api, long room, User reader) {
        return api.get("/api/rooms/" + room, reader.token()).json().get("onlineCount").asLong();
    }

    private static void assertPresence(JsonNode event, String type, long room, User user, long online) {
        assertThat(event.get("type").asString()).isEqualTo(type);
        assertThat(event.get("roomId").asLong()).isEqualTo(room);
        assertThat(event.get("user").asString()).isEqualTo(user.name());
        assertThat(event.get("online").asLong()).isEqualTo(online);
        assertThat(event.get("at").asString()).endsWith("Z");
    }
}
