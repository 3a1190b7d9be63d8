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
        long room = api.privateRoomWith(owner, bob);
        try (StompTestClient ownerClient = connect(owner); StompTestClient bobClient = connect(bob)) {
            assertRevoked(api, owner, bob, room, ownerClient, bobClient);
        }
    }

    @Test
    void aRemovedMemberOnAnotherInstanceReceivesNothingMoreEither() {
        Api api = api();
        User owner = api.newUser("owner");
        User bob = api.newUser("bob");
        long room = api.privateRoomWith(owner, bob);
        try (TalkwireInstance other = TalkwireInstance.start(); StompTestClient ownerClient = connect(owner);
                StompTestClient bobClient = StompTestClient.connect(other.port(), bob.token())) {
            assertRevoked(api, owner, bob, room, ownerClient, bobClient);
        }
    }

    /**
     * The revoked subscription cannot receive a fence, so bob's session also reads a PUBLIC room, where a message sent
     * after "after" arrives only once "after" would have been delivered to bob, had his subscription survived.
     */
    private static void assertRevoked(Api api, User owner, User bob, long room, StompTestClient ownerClient,
            StompTestClient bobClient) {
        String topic = "/topic/rooms." + room;
        long fenceRoom = api.createRoom(owner, "PUBLIC");
        Inbox ownerEvents = ownerClient.subscribe(topic);
        Inbox bobEvents = bobClient.subscribe("/user/queue/events");
        Inbox bobRoom = bobClient.subscribe(topic);
        Inbox bobFenceRoom = bobClient.subscribe("/topic/rooms." + fenceRoom);
        StompTestClient.await(ownerClient.send("/app/rooms." + room + ".send", "{\"content\":\"before\"}", "before"));
        assertThat(bobRoom.next("MESSAGE").get("content").asString()).isEqualTo("before");

        assertThat(api.delete("/api/rooms/" + room + "/members/" + bob.name(), owner.token()).status()).isEqualTo(204);
        JsonNode removed = bobEvents.next();
        assertThat(removed.get("type").asString()).isEqualTo("ROOM_REMOVED");
        JsonNode leave = ownerEvents.next(e -> "LEAVE".equals(e.path("type").asString()));
        assertThat(leave.get("user").asString()).isEqualTo(bob.name());
        // the LEAVE comes after the revocation on bob's instance. In broker mode that was an UNSUBSCRIBE on bob's relay
        // connection, which RabbitMQ applies moments later; a SUBSCRIBE sent after it on the same connection is
        // answered (RECEIPT) once it has been applied, so "after" cannot be on its way to bob in that instant
        bobClient.subscribe("/user/queue/errors");

        StompTestClient.await(ownerClient.send("/app/rooms." + room + ".send", "{\"content\":\"after\"}", "after"));
        assertThat(ownerEvents.next("MESSAGE").get("content").asString()).isEqualTo("after");
        // the fence: published after "after" by the same instance. In instance mode each session's room events are
        // written in the order they were published, so bob would have got "after" before it. In broker mode each
        // subscription is a queue of its own, which RabbitMQ does not order against another queue of the session: a
        // surviving subscription's "after" could, rarely, come later than the fence, and a revocation that failed
        // might pass unnoticed then, but a revocation that works never fails this check
        StompTestClient.await(ownerClient.send("/app/rooms." + fenceRoom + ".send", "{\"content\":\"fence\"}", "fence"));
        bobFenceRoom.until(e -> "fence".equals(e.path("content").asString()));
        assertThat(bobRoom.drain(Duration.ZERO)).isEmpty();
        assertThat(bobClient.isConnected()).isTrue();
        assertThat(bobClient.refusedSubscribe(topic)).contains("no room " + room);
    }
}
