package io.talkwire.stomp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.presence.InstanceLease;
import io.talkwire.stomp.RawStompClient.Frame;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Subscription ids a client picks cannot keep a room's events flowing to someone who may no longer read it, multiply
 * them, or outlive their session (in both fan-out modes: the build runs this once per mode).
 */
class SubscriptionIdsIT extends IntegrationTest {

    @Autowired
    JdbcClient jdbc;

    @Autowired
    InstanceLease instance;

    @Test
    void aSubscriptionIdAlreadyLiveInTheSessionIsRefused() {
        Api api = api();
        User owner = api.newUser("owner");
        User mallory = api.newUser("mallory");
        long secret = api.privateRoomWith(owner, mallory);
        long own = api.createRoom(mallory, "PUBLIC");
        try (RawStompClient client = connected(mallory)) {
            subscribe(client, "dup", secret);
            client.send("SUBSCRIBE", Map.of("id", "dup", "destination", "/topic/rooms." + own), "");
            Frame error = client.next("ERROR");
            assertThat(error.headers().get("message")).contains("'dup' is already in use");
            client.awaitClose();
        }
    }

    /** Frames written right behind CONNECT, without waiting for CONNECTED (allowed by STOMP), are served in order. */
    @Test
    void aSubscribeRightBehindConnectIsServedOnceTheSessionIsConnected() {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        try (RawStompClient client = new RawStompClient(port)) {
            client.sendText(frame("CONNECT", "accept-version:1.2\nhost:localhost\nAuthorization:Bearer " + alice.token())
                    + frame("SUBSCRIBE", "id:a\ndestination:/topic/rooms." + room + "\nreceipt:subscribed"));
            assertThat(client.next().command()).isEqualTo("CONNECTED");
            assertThat(client.next("RECEIPT").headers().get("receipt-id")).isEqualTo("subscribed");
            api.post("/api/rooms/" + room + "/messages", alice.token(), "{\"content\":\"right behind\"}");
            Frame message = client.next("MESSAGE");
            assertThat(message.headers().get("subscription")).isEqualTo("a");
            assertThat(message.body()).contains("right behind");
        }
    }

    /** A subscription id used twice right behind CONNECT is refused as it is later: the session is checked once known. */
    @Test
    void aSubscriptionIdUsedTwiceRightBehindConnectIsRefused() {
        Api api = api();
        User owner = api.newUser("owner");
        User mallory = api.newUser("mallory");
        long secret = api.privateRoomWith(owner, mallory);
        long own = api.createRoom(mallory, "PUBLIC");
        try (RawStompClient client = new RawStompClient(port)) {
            client.sendText(frame("CONNECT", "accept-version:1.2\nhost:localhost\nAuthorization:Bearer " + mallory.token())
                    + frame("SUBSCRIBE", "id:x\ndestination:/topic/rooms." + secret)
                    + frame("SUBSCRIBE", "id:x\ndestination:/topic/rooms." + own));
            Frame error = client.next("ERROR");
            assertThat(error.headers().get("message")).contains("subscription id 'x' is already in use");
            client.awaitClose();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(api.get("/api/rooms/" + secret, owner.token()).json().get("onlineCount").asLong()).isZero());
    }

    private static String frame(String command, String headers) {
        return command + "\n" + headers + "\n\n\0";
    }

    @Test
    void aRemovedMemberLosesEverySubscriptionToTheRoomWhateverItsIds() {
        Api api = api();
        User owner = api.newUser("owner");
        User mallory = api.newUser("mallory");
        long secret = api.privateRoomWith(owner, mallory);
        long fenceRoom = api.createRoom(owner, "PUBLIC");
        try (StompTestClient ownerClient = connect(owner); RawStompClient client = connected(mallory)) {
            StompTestClient.Inbox ownerRoom = ownerClient.subscribe("/topic/rooms." + secret);
            subscribe(client, "a", secret);
            subscribe(client, "b", secret);
            subscribe(client, "events", "/user/queue/events");
            subscribe(client, "fence", fenceRoom);
            StompTestClient.await(ownerClient.send("/app/rooms." + secret + ".send", "{\"content\":\"before\"}", "r1"));
            // a later message of the room is the fence: each subscription gets it after "before"
            StompTestClient.await(ownerClient.send("/app/rooms." + secret + ".send", "{\"content\":\"fence 1\"}", "f1"));
            assertThat(messagesUntil(client, "fence 1", 2)).filteredOn(m -> m.body().contains("before"))
                .extracting(m -> m.headers().get("subscription"))
                .containsExactlyInAnyOrder("a", "b");

            assertThat(api.delete("/api/rooms/" + secret + "/members/" + mallory.name(), owner.token()).status()).isEqualTo(204);
            nextMessageContaining(client, "ROOM_REMOVED");
            // in broker mode the revocation is an UNSUBSCRIBE on the session's relay connection, sent before
            // ROOM_REMOVED, which RabbitMQ applies moments later: the RECEIPT of a SUBSCRIBE sent after it on the same
            // connection means it has been applied
            subscribe(client, "errors", "/user/queue/errors");
            StompTestClient.await(ownerClient.send("/app/rooms." + secret + ".send", "{\"content\":\"after\"}", "r2"));
            assertThat(ownerRoom.next(e -> "after".equals(e.path("content").asString()))).isNotNull();
            // the revoked subscriptions cannot get a fence: a room the session still reads gets one, published after
            // "after" (in instance mode a session's room frames are written in publish order; in broker mode each
            // subscription is a queue of its own and RabbitMQ does not order them against each other, so there a
            // failed revocation could rarely go unnoticed, but a working one never fails this check)
            StompTestClient.await(ownerClient.send("/app/rooms." + fenceRoom + ".send", "{\"content\":\"fence 2\"}", "f2"));
            assertThat(messagesUntil(client, "fence 2", 1)).noneMatch(m -> m.body().contains("after"));
            assertThat(client.drainFrames()).noneMatch(m -> m.body().contains("after"));
            // the client's own UNSUBSCRIBE of a revoked id is answered, and the session goes on
            client.send("UNSUBSCRIBE", Map.of("id", "a", "receipt", "gone"), "");
            assertThat(client.next("RECEIPT").headers()).containsEntry("receipt-id", "gone");
            subscribe(client, "later", api.createRoom(mallory, "PUBLIC"));
        }
    }

    /**
     * One id, subscribed to two rooms by turns while their events flow: in broker mode RabbitMQ also answers some
     * UNSUBSCRIBEs with a stray ERROR for a message already on its way, which must not end the session.
     */
    @Test
    void subscribingAndUnsubscribingAgainAndAgainLeavesOneSubscriptionAndNothingAfterTheSession() {
        Api api = api();
        User owner = api.newUser("owner");
        User user = api.newUser("user");
        long room = api.createRoom(owner, "PUBLIC");
        long other = api.createRoom(owner, "PUBLIC");
        try (StompTestClient ownerClient = connect(owner)) {
            try (RawStompClient client = connected(user)) {
                for (int i = 0; i < 30; i++) {
                    subscribe(client, "z", i % 2 == 0 ? room : other);
                    client.send("UNSUBSCRIBE", Map.of("id", "z", "receipt", "u" + i), "");
                    assertThat(client.next("RECEIPT").headers()).containsEntry("receipt-id", "u" + i);
                }
                subscribe(client, "z", room);
                StompTestClient.await(ownerClient.send("/app/rooms." + room + ".send", "{\"content\":\"once\"}", "r"));
                // the fence, a later message of the room: a subscription gets it after "once" (in broker mode a
                // second subscription would be a queue of its own, whose deliveries RabbitMQ does not order against
                // the first's, so a duplicate could rarely come after the fence; it never comes without a bug)
                StompTestClient.await(ownerClient.send("/app/rooms." + room + ".send", "{\"content\":\"fence\"}", "f"));
                assertThat(messagesUntil(client, "fence", 1)).filteredOn(m -> m.body().contains("once")).hasSize(1);
                assertThat(presenceRowsOf(user)).isEqualTo(1);
            }
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(presenceRowsOf(user)).isZero());
        }
    }

    @Test
    void aSubscriptionIdOver255CharactersGetsAClearErrorAndBystandersAreNotHurt() {
        Api api = api();
        User owner = api.newUser("owner");
        User bystander = api.newUser("bystander");
        long room = api.createRoom(owner, "PUBLIC");
        for (int i = 0; i < 5; i++) {
            try (RawStompClient client = connected(owner)) {
                client.send("SUBSCRIBE", Map.of("id", "x".repeat(256), "destination", "/topic/rooms." + room), "");
                assertThat(client.next("ERROR").headers().get("message"))
                    .isEqualTo("a subscription id must be 1 to 255 characters");
            }
        }
        for (int i = 0; i < 10; i++) {
            try (RawStompClient client = connected(bystander)) {
                subscribe(client, "y".repeat(255), room);
            }
        }
    }

    @Test
    void anAckModeOtherThanAutoIsRefused() {
        try (RawStompClient client = connected(api().newUser("user"))) {
            client.send("SUBSCRIBE", Map.of("id", "e", "destination", "/user/queue/events", "ack", "bogus"), "");
            assertThat(client.next("ERROR").headers().get("message")).isEqualTo("only ack:auto is supported");
        }
    }

    /**
     * A {@code message-id} tells a subscriber nothing about other rooms or sessions: ids of one subscription do not
     * jump with messages sent elsewhere, and carry no Talkwire session id.
     */
    @Test
    void messageIdsSayNothingAboutOtherRoomsOrSessions() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long watched = api.createRoom(alice, "PUBLIC");
        long elsewhere = api.createRoom(bob, "PUBLIC");
        try (RawStompClient client = connected(alice)) {
            subscribe(client, "w", watched);
            api.post("/api/rooms/" + watched + "/messages", alice.token(), "{\"content\":\"first\"}");
            Frame first = nextMessageContaining(client, "first");
            for (int i = 0; i < 10; i++) {
                api.post("/api/rooms/" + elsewhere + "/messages", bob.token(), "{\"content\":\"other " + i + "\"}");
            }
            api.post("/api/rooms/" + watched + "/messages", alice.token(), "{\"content\":\"second\"}");
            Frame second = nextMessageContaining(client, "second");
            long gap = counter(second.headers().get("message-id")) - counter(first.headers().get("message-id"));
            assertThat(gap).as("%s then %s", first.headers().get("message-id"), second.headers().get("message-id"))
                .isEqualTo(1);
            assertThat(first.headers().get("message-id")).doesNotContain(instanceIdPrefix());
        }
    }

    /** The number a message id ends with. */
    private static long counter(String messageId) {
        java.util.regex.Matcher digits = java.util.regex.Pattern.compile("(\\d+)$").matcher(messageId);
        assertThat(digits.find()).as(messageId).isTrue();
        return Long.parseLong(digits.group(1));
    }

    private String instanceIdPrefix() {
        return instance.id() + "-";
    }

    private RawStompClient connected(User user) {
        RawStompClient client = new RawStompClient(port);
        assertThat(client.connect(user.token(), "0,0").command()).isEqualTo("CONNECTED");
        return client;
    }

    private static void subscribe(RawStompClient client, String id, long room) {
        subscribe(client, id, "/topic/rooms." + room);
    }

    private static void subscribe(RawStompClient client, String id, String destination) {
        Map<String, String> headers = new HashMap<>(Map.of("id", id, "destination", destination, "receipt", "s-" + id));
        client.send("SUBSCRIBE", headers, "");
        assertThat(client.next("RECEIPT").headers()).containsEntry("receipt-id", "s-" + id);
    }

    /**
     * The MESSAGE frames received up to and including the {@code fences}-th one whose body contains {@code fence}: a
     * message published after what is checked, which reaches each subscription after anything published before it
     * (one fence per subscription that gets it). Nothing is left to a wait of a second.
     */
    private static List<Frame> messagesUntil(RawStompClient client, String fence, int fences) {
        List<Frame> messages = new ArrayList<>();
        int seen = 0;
        while (seen < fences) {
            Frame frame = client.next("MESSAGE");
            messages.add(frame);
            if (frame.body().contains("\"content\":\"" + fence + "\"")) {
                seen++;
            }
        }
        return messages;
    }

    private static Frame nextMessageContaining(RawStompClient client, String text) {
        Frame frame;
        while (!(frame = client.next("MESSAGE")).body().contains(text)) {
            // other frames of the room, before it
        }
        return frame;
    }

    private long presenceRowsOf(User user) {
        return jdbc.sql("SELECT count(*) FROM presence WHERE username = ?").param(user.name()).query(Long.class).single();
    }
}
