package io.talkwire.room;

import io.talkwire.Api;
import io.talkwire.Api.Response;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** Read markers: lastReadSeq and unreadCount on rooms, per member, and READ to my other sessions. */
class ReadMarkersIT extends IntegrationTest {

    @Test
    void unreadCountsMessagesOfOthersAboveTheMarkerThatAreNotDeleted() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long room = api.createRoom(alice, "PUBLIC");
        assertThat(api.put("/api/rooms/" + room + "/members/" + bob.name(), bob.token()).status()).isEqualTo(204);
        api.say(alice, room, "one");
        long two = api.say(alice, room, "two");
        api.say(bob, room, "bob's own");
        api.say(alice, room, "three");
        assertThat(api.delete("/api/rooms/" + room + "/messages/" + two, alice.token()).status()).isEqualTo(204);

        JsonNode seen = room(api, bob, room);
        assertThat(seen.get("lastReadSeq").asLong()).isZero();
        assertThat(seen.get("unreadCount").asLong()).isEqualTo(2); // one, three: not bob's own, not the deleted two
        assertThat(listed(api, bob, room).get("unreadCount").asLong()).isEqualTo(2);

        assertThat(api.put("/api/rooms/" + room + "/read", bob.token(), "{\"seq\":3}").status()).isEqualTo(204);
        seen = room(api, bob, room);
        assertThat(seen.get("lastReadSeq").asLong()).isEqualTo(3);
        assertThat(seen.get("unreadCount").asLong()).isEqualTo(1);
        assertThat(room(api, alice, room).get("unreadCount").asLong()).isEqualTo(1); // bob's own, for alice
    }

    @Test
    void aMarkerNeverMovesBackNorPastTheLastMessageAndMyOtherSessionsHearOfIt() {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        for (int i = 0; i < 5; i++) {
            api.say(alice, room, "m" + i);
        }
        try (StompTestClient phone = connect(alice)) {
            Inbox events = phone.subscribe("/user/queue/events");
            assertThat(api.put("/api/rooms/" + room + "/read", alice.token(), "{\"seq\":4}").status()).isEqualTo(204);
            JsonNode read = events.next("READ");
            assertThat(read.get("roomId").asLong()).isEqualTo(room);
            assertThat(read.get("seq").asLong()).isEqualTo(4);

            assertThat(api.put("/api/rooms/" + room + "/read", alice.token(), "{\"seq\":2}").status()).isEqualTo(204);
            assertThat(room(api, alice, room).get("lastReadSeq").asLong()).isEqualTo(4);
            assertThat(api.put("/api/rooms/" + room + "/read", alice.token(), "{\"seq\":999}").status()).isEqualTo(204);
            assertThat(room(api, alice, room).get("lastReadSeq").asLong()).isEqualTo(5);
            // only moves are told: 2 was none, 999 is 5
            assertThat(events.next("READ").get("seq").asLong()).isEqualTo(5);
            JsonNode members = api.get("/api/rooms/" + room + "/members", alice.token()).json();
            assertThat(members.get(0).get("lastReadSeq").asLong()).isEqualTo(5);
        }
    }

    @Test
    void aDirectRoomShowsHowFarTheOtherHasRead() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long direct = api.directRoom(alice, bob);
        long seq = api.say(alice, direct, "seen?");
        assertThat(api.put("/api/rooms/" + direct + "/read", bob.token(), "{\"seq\":" + seq + "}").status()).isEqualTo(204);
        JsonNode members = api.get("/api/rooms/" + direct + "/members", alice.token()).json();
        JsonNode bobMember = members.valueStream().filter(m -> m.get("username").asString().equals(bob.name())).findFirst().orElseThrow();
        assertThat(bobMember.get("lastReadSeq").asLong()).isEqualTo(seq);
    }

    @ParameterizedTest
    @ValueSource(strings = { "{}", "{\"seq\":-1}", "{\"seq\":\"x\"}", "not json", "{\"seq\":1.5}" })
    void badMarkersAre400(String body) {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        Response response = api.put("/api/rooms/" + room + "/read", alice.token(), body);
        assertThat(response.status()).as(response.toString()).isEqualTo(400);
        assertThat(response.contentType()).startsWith("application/problem+json");
    }

    @Test
    void aRoomIMayNotReadIs404() {
        Api api = api();
        User owner = api.newUser("owner");
        User stranger = api.newUser("stranger");
        long room = api.createRoom(owner, "PRIVATE");
        assertThat(api.put("/api/rooms/" + room + "/read", stranger.token(), "{\"seq\":1}").status()).isEqualTo(404);
    }

    private static JsonNode room(Api api, User user, long room) {
        return api.get("/api/rooms/" + room, user.token()).json();
    }

    private static JsonNode listed(Api api, User user, long room) {
        JsonNode page = api.get("/api/rooms?limit=500&after=" + (room - 1), user.token()).json();
        return page.valueStream().filter(r -> r.get("id").asLong() == room).findFirst().orElseThrow();
    }
}
