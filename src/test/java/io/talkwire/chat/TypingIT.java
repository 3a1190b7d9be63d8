package io.talkwire.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import io.talkwire.TalkwireInstance;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * TYPING: to the room's other subscribers on every instance and never to the session that sent it, one per session
 * and room every 2 s, refused like a send to a room one may not read, stored nowhere. Absence is proven with fences:
 * a message the typist sends after typing is published after the TYPING by the same instance, so a TYPING that
 * reached a subscriber would have come before it.
 */
class TypingIT extends IntegrationTest {

    private static final String EXCEPT_SESSION_HEADER = "talkwire-except-session";

    @Test
    void theOthersGetTypingAndTheTypingSessionDoesNot() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long room = api.createRoom(alice, "PUBLIC");
        try (StompTestClient aliceClient = connect(alice); StompTestClient aliceOtherTab = connect(alice);
                StompTestClient bobClient = connect(bob)) {
            Inbox aliceRoom = aliceClient.subscribe(topic(room));
            Inbox aliceOtherTabRoom = aliceOtherTab.subscribe(topic(room));
            Inbox bobRoom = bobClient.subscribe(topic(room));

            // any body, and a receipt is answered once it is handled
            StompTestClient.await(aliceClient.send(typing(room), "", "typed"));

            for (Inbox inbox : List.of(bobRoom, aliceOtherTabRoom)) {
                JsonNode event = inbox.next("TYPING");
                assertThat(event.get("roomId").asLong()).isEqualTo(room);
                assertThat(event.get("user").asString()).isEqualTo(alice.name());
                assertThat(event.size()).as("type, roomId and user, nothing else").isEqualTo(3);
            }

            StompTestClient.await(aliceClient.send(send(room), "{\"content\":\"fence\"}", "fence"));
            assertThat(aliceRoom.until(isMessage("fence"))).noneMatch(isTyping());
            assertThat(bobRoom.until(isMessage("fence"))).noneMatch(isTyping());
            assertThat(bobRoom.allHeaders()).noneMatch(headers -> headers.containsKey(EXCEPT_SESSION_HEADER));

            JsonNode history = api.get("/api/rooms/" + room + "/messages", alice.token()).json();
            assertThat(history).hasSize(1);
            assertThat(history.get(0).get("content").asString()).isEqualTo("fence");
        }
    }

    @Test
    void oneTypingPerSessionAndRoomEveryTwoSecondsIsPassedOn() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long room = api.createRoom(alice, "PUBLIC");
        long other = api.createRoom(alice, "PUBLIC");
        try (StompTestClient aliceClient = connect(alice); StompTestClient bobClient = connect(bob)) {
            Inbox bobRoom = bobClient.subscribe(topic(room));
            Inbox bobOther = bobClient.subscribe(topic(other));

            for (int i = 0; i < 5; i++) {
                aliceClient.sendWithoutReceipt(typing(room), "{}");
            }
            // a window of its own for each room
            aliceClient.sendWithoutReceipt(typing(other), "{}");
            StompTestClient.await(aliceClient.send(send(room), "{\"content\":\"fence\"}", "fence"));
            StompTestClient.await(aliceClient.send(send(other), "{\"content\":\"fence\"}", "fence-other"));

            assertThat(bobRoom.until(isMessage("fence"))).filteredOn(isTyping()).hasSize(1);
            assertThat(bobOther.until(isMessage("fence"))).filteredOn(isTyping()).hasSize(1);
        }
    }

    /** 5 per user and second over all sessions and rooms: typing in 12 rooms at once passes fewer than 12 on. */
    @Test
    void typingIsCappedPerUser() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        List<Long> rooms = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            rooms.add(api.createRoom(alice, "PUBLIC"));
        }
        try (StompTestClient aliceClient = connect(alice); StompTestClient bobClient = connect(bob)) {
            List<Inbox> inboxes = new ArrayList<>();
            for (long room : rooms) {
                inboxes.add(bobClient.subscribe(topic(room)));
            }
            for (long room : rooms) {
                aliceClient.sendWithoutReceipt(typing(room), "");
            }
            for (long room : rooms) {
                StompTestClient.await(aliceClient.send(send(room), "{\"content\":\"fence\"}", "fence-" + room));
            }

            int passed = 0;
            for (Inbox inbox : inboxes) {
                passed += (int) inbox.until(isMessage("fence")).stream().filter(isTyping()).count();
            }
            // 5 at once; more only if sending the twelve took this instance over 200 ms (a token each)
            assertThat(passed).isBetween(5, 11);
        }
    }

    @Test
    void typingToARoomOneMayNotReadIsAnErrorEventAndTheSessionStaysOpen() {
        Api api = api();
        User owner = api.newUser("owner");
        User stranger = api.newUser("stranger");
        long room = api.createRoom(owner, "PRIVATE");
        try (StompTestClient ownerClient = connect(owner); StompTestClient strangerClient = connect(stranger)) {
            Inbox ownerRoom = ownerClient.subscribe(topic(room));
            Inbox errors = strangerClient.subscribe("/user/queue/errors");

            CompletableFuture<Void> receipt = strangerClient.send(typing(room), "", "sneak");
            JsonNode error = errors.next();
            assertThat(error.get("type").asString()).isEqualTo("ERROR");
            assertThat(error.get("code").asString()).isEqualTo("NOT_FOUND");
            assertThat(error.get("message").asString()).isNotBlank();
            assertThat(error.get("receiptId").asString()).isEqualTo("sneak");
            assertThat(error.get("clientMessageId").isNull()).isTrue();

            // still connected and served: a subscription elsewhere is receipted
            long open = api.createRoom(stranger, "PUBLIC");
            strangerClient.subscribe(topic(open));
            assertThat(strangerClient.isConnected()).isTrue();
            assertThat(receipt).as("no RECEIPT for a refused TYPING").isNotDone();

            StompTestClient.await(ownerClient.send(send(room), "{\"content\":\"fence\"}", "fence"));
            assertThat(ownerRoom.until(isMessage("fence"))).noneMatch(isTyping());
        }
    }

    @Test
    void typingReachesTheOtherInstanceAndComesBackToNoTypingSession() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        User carol = api.newUser("carol");
        long room = api.createRoom(alice, "PUBLIC");
        try (TalkwireInstance b = TalkwireInstance.start(); StompTestClient aliceOnA = connect(alice);
                StompTestClient carolOnA = connect(carol);
                StompTestClient bobOnB = StompTestClient.connect(b.port(), bob.token())) {
            Inbox aliceRoom = aliceOnA.subscribe(topic(room));
            Inbox carolRoom = carolOnA.subscribe(topic(room));
            Inbox bobRoom = bobOnB.subscribe(topic(room));

            aliceOnA.sendWithoutReceipt(typing(room), "");
            bobOnB.sendWithoutReceipt(typing(room), "");
            // a fence from each instance, each after its own TYPING
            StompTestClient.await(aliceOnA.send(send(room), "{\"content\":\"fence A\"}", "fence-a"));
            StompTestClient.await(bobOnB.send(send(room), "{\"content\":\"fence B\"}", "fence-b"));

            assertThat(typists(untilBoth(aliceRoom))).containsExactly(bob.name());
            assertThat(typists(untilBoth(carolRoom))).containsExactlyInAnyOrder(alice.name(), bob.name());
            assertThat(typists(untilBoth(bobRoom))).containsExactly(alice.name());
            for (Inbox inbox : List.of(aliceRoom, carolRoom, bobRoom)) {
                assertThat(inbox.allHeaders()).noneMatch(headers -> headers.containsKey(EXCEPT_SESSION_HEADER));
            }
            assertThat(api.get("/api/rooms/" + room + "/messages", alice.token()).json()).hasSize(2);
        }
    }

    /** Everything up to both fences, whichever comes first. */
    private static List<JsonNode> untilBoth(Inbox inbox) {
        List<JsonNode> events = new ArrayList<>(inbox.until(isMessage("fence A").or(isMessage("fence B"))));
        String first = events.getLast().get("content").asString();
        events.addAll(inbox.until(isMessage("fence A".equals(first) ? "fence B" : "fence A")));
        return events;
    }

    private static List<String> typists(List<JsonNode> events) {
        return events.stream().filter(isTyping()).map(e -> e.get("user").asString()).toList();
    }

    private static Predicate<JsonNode> isTyping() {
        return event -> "TYPING".equals(event.path("type").asString());
    }

    private static Predicate<JsonNode> isMessage(String content) {
        return event -> "MESSAGE".equals(event.path("type").asString())
                && content.equals(event.path("content").asString());
    }

    private static String topic(long room) {
        return "/topic/rooms." + room;
    }

    private static String typing(long room) {
        return "/app/rooms." + room + ".typing";
    }

    private static String send(long room) {
        return "/app/rooms." + room + ".send";
    }
}
