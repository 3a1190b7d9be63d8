package io.talkwire.room;

import java.time.Duration;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import io.talkwire.TalkwireInstance;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** A member removed from a PRIVATE room loses their live subscriptions to it at once, on any instance. */
class RevocationIT extends IntegrationTest {

    @Test
    void aRemovedMemberReceivesNothingMoreFromTheRoom() {
        Api api = api();
        User owner = api.newUser("owner");
        User bob = api.newUser("bob");
        long room = privateRoomWith(api, owner, bob);
        try (StompTestClient ownerClient = connect(owner); StompTestClient bobClient = connect(bob)) {
            assertRevoked(api, owner, bob, room, ownerClient, bobClient);
        }
    }

    @Test
    void aRemovedMemberOnAnotherInstanceReceivesNothingMoreEither() {
        Api api = api();
        User owner = api.newUser("owner");
        User bob = api.newUser("bob");
        long room = privateRoomWith(api, owner, bob);
        try (TalkwireInstance other = TalkwireInstance.start(); StompTestClient ownerClient = connect(owner);
                StompTestClient bobClient = StompTestClient.connect(other.port(), bob.token())) {
            assertRevoked(api, owner, bob, room, ownerClient, bobClient);
        }
    }

    private static void assertRevoked(Api api, User owner, User bob, long room, StompTestClient ownerClient,
            StompTestClient bobClient) {
        String topic = "/topic/rooms." + room;
        Inbox ownerEvents = ownerClient.subscribe(topic);
        Inbox bobEvents = bobClient.subscribe("/user/queue/events");
        Inbox bobRoom = bobClient.subscribe(topic);
        StompTestClient.await(ownerClient.send("/app/rooms." + room + ".send", "{\"content\":\"before\"}", "before"));
        assertThat(bobRoom.next("MESSAGE").get("content").asString()).isEqualTo("before");

        assertThat(api.delete("/api/rooms/" + room + "/members/" + bob.name(), owner.token()).status()).isEqualTo(204);
        JsonNode removed = bobEvents.next();
        assertThat(removed.get("type").asString()).isEqualTo("ROOM_REMOVED");
        JsonNode leave = ownerEvents.next(e -> "LEAVE".equals(e.path("type").asString()));
        assertThat(leave.get("user").asString()).isEqualTo(bob.name());

        StompTestClient.await(ownerClient.send("/app/rooms." + room + ".send", "{\"content\":\"after\"}", "after"));
        assertThat(ownerEvents.next("MESSAGE").get("content").asString()).isEqualTo("after");
        assertThat(bobRoom.drain(Duration.ofSeconds(1))).isEmpty();
        assertThat(bobClient.isConnected()).isTrue();
        assertThat(bobClient.refusedSubscribe(topic)).contains("no room " + room);
    }

    private static long privateRoomWith(Api api, User owner, User member) {
        long room = api.createRoom(owner, "PRIVATE");
        api.put("/api/rooms/" + room + "/members/" + member.name(), owner.token());
        return room;
    }
}
