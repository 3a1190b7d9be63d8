package io.talkwire.room;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** ROOM_ADDED / ROOM_REMOVED on /user/queue/events, to the user concerned only. */
class PersonalEventsIT extends IntegrationTest {

    @Test
    void addingToAPrivateRoomAndRemovingAreAnnouncedToThatUser() {
        Api api = api();
        User owner = api.newUser("owner");
        User bob = api.newUser("bob");
        User carol = api.newUser("carol");
        long room = api.createRoom(owner, "PRIVATE");
        try (StompTestClient bobClient = connect(bob); StompTestClient carolClient = connect(carol)) {
            Inbox bobEvents = bobClient.subscribe("/user/queue/events");
            Inbox carolEvents = carolClient.subscribe("/user/queue/events");

            assertThat(api.put("/api/rooms/" + room + "/members/" + bob.name(), owner.token()).status()).isEqualTo(204);
            JsonNode added = bobEvents.next();
            assertThat(added.get("type").asString()).isEqualTo("ROOM_ADDED");
            assertThat(added.get("room").get("id").asLong()).isEqualTo(room);
            assertThat(added.get("room").get("kind").asString()).isEqualTo("PRIVATE");
            assertThat(added.get("room").get("memberCount").asLong()).isEqualTo(2);

            // now bob may read and subscribe
            bobClient.subscribe("/topic/rooms." + room);

            assertThat(api.delete("/api/rooms/" + room + "/members/" + bob.name(), owner.token()).status()).isEqualTo(204);
            JsonNode removed = bobEvents.next();
            assertThat(removed.get("type").asString()).isEqualTo("ROOM_REMOVED");
            assertThat(removed.get("roomId").asLong()).isEqualTo(room);

            assertThat(carolEvents.drain(java.time.Duration.ofMillis(500))).isEmpty();
        }
    }

    @Test
    void openingADirectRoomAnnouncesItToBoth() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        try (StompTestClient aliceClient = connect(alice); StompTestClient bobClient = connect(bob)) {
            Inbox aliceEvents = aliceClient.subscribe("/user/queue/events");
            Inbox bobEvents = bobClient.subscribe("/user/queue/events");

            Api.Response opened = api.post("/api/direct/" + bob.name(), alice.token(), "");
            assertThat(opened.status()).isEqualTo(200);
            long room = opened.json().get("id").asLong();
            assertThat(opened.json().get("kind").asString()).isEqualTo("DIRECT");

            for (Inbox inbox : new Inbox[] { aliceEvents, bobEvents }) {
                JsonNode added = inbox.next();
                assertThat(added.get("type").asString()).isEqualTo("ROOM_ADDED");
                assertThat(added.get("room").get("id").asLong()).isEqualTo(room);
            }
            // whoever asks, the same room
            assertThat(api.directRoom(bob, alice)).isEqualTo(room);
        }
    }
}
