package io.talkwire.delivery;

import java.time.Duration;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import io.talkwire.room.RoomService.Reader;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A removal whose revocation an instance never heard of (published while its listener was reconnecting): the
 * subscription lives on until the periodic check finds that its user may no longer read the room, and ends it.
 */
class MissedRevocationIT extends IntegrationTest {

    @Autowired
    private SubscriptionRevoker revoker;

    @Autowired
    private RoomSubscriptions subscriptions;

    @Autowired
    private JdbcClient jdbc;

    @Test
    void theCheckEndsASubscriptionWhoseRevocationWasMissed() {
        Api api = api();
        User owner = api.newUser("owner");
        User bob = api.newUser("bob");
        long room = api.privateRoomWith(owner, bob);
        long fenceRoom = api.createRoom(owner, "PUBLIC");
        String topic = "/topic/rooms." + room;
        try (StompTestClient ownerClient = connect(owner); StompTestClient bobClient = connect(bob)) {
            Inbox ownerRoom = ownerClient.subscribe(topic);
            Inbox bobRoom = bobClient.subscribe(topic);
            Inbox bobFenceRoom = bobClient.subscribe("/topic/rooms." + fenceRoom);
            // removed without the event that revokes: as if this instance missed the revocation
            jdbc.sql("DELETE FROM room_members WHERE room_id = ? AND username = ?").params(room, bob.name()).update();
            Reader bobInRoom = new Reader(room, bob.name());
            assertThat(subscriptions.readers()).as("the revocation was missed").contains(bobInRoom);

            revoker.revokeWhatIsNoLongerReadable();
            assertThat(subscriptions.readers()).doesNotContain(bobInRoom);
            // in broker mode an UNSUBSCRIBE on bob's relay connection: a SUBSCRIBE after it is answered once it applied
            bobClient.subscribe("/user/queue/errors");

            StompTestClient.await(ownerClient.send("/app/rooms." + room + ".send", "{\"content\":\"after\"}", "after"));
            ownerRoom.until(e -> "after".equals(e.path("content").asString()));
            StompTestClient.await(ownerClient.send("/app/rooms." + fenceRoom + ".send", "{\"content\":\"fence\"}", "fence"));
            bobFenceRoom.until(e -> "fence".equals(e.path("content").asString()));
            assertThat(bobRoom.drain(Duration.ZERO)).noneMatch(e -> "MESSAGE".equals(e.path("type").asString()));
            assertThat(bobClient.isConnected()).isTrue();
        }
    }
}
