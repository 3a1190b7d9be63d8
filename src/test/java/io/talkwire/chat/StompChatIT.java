package io.talkwire.chat;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** Sending over STOMP: fan-out, RECEIPT after commit, idempotent retries, error events. */
class StompChatIT extends IntegrationTest {

    @Test
    void everySubscriberReceivesTheMessageAndTheReceiptMeansCommitted() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long room = api.createRoom(alice, "PUBLIC");
        try (StompTestClient aliceClient = connect(alice); StompTestClient bobClient = connect(bob)) {
            Inbox aliceInbox = aliceClient.subscribe("/topic/rooms." + room);
            Inbox bobInbox = bobClient.subscribe("/topic/rooms." + room);

            StompTestClient.await(aliceClient.send("/app/rooms." + room + ".send",
                    "{\"content\":\"  hello bob  \",\"clientMessageId\":\"m-1\"}", "r-1"));

            // the RECEIPT came after the commit: history has the message already
            JsonNode history = api.get("/api/rooms/" + room + "/messages", bob.token()).json();
            assertThat(history).hasSize(1);
            assertThat(history.get(0).get("content").asString()).isEqualTo("hello bob");
            assertThat(history.get(0).get("seq").asLong()).isEqualTo(1);

            for (Inbox inbox : List.of(aliceInbox, bobInbox)) {
                JsonNode event = inbox.next("MESSAGE");
                assertThat(event.get("roomId").asLong()).isEqualTo(room);
                assertThat(event.get("seq").asLong()).isEqualTo(1);
                assertThat(event.get("sender").asString()).isEqualTo(alice.name());
                assertThat(event.get("content").asString()).isEqualTo("hello bob");
                assertThat(event.get("clientMessageId").asString()).isEqualTo("m-1");
                assertThat(event.get("id").asString()).isEqualTo(history.get(0).get("id").asString());
                assertThat(event.get("sentAt").asString()).endsWith("Z");
                assertThat(inbox.lastHeaders().getContentType().toString()).startsWith("application/json");
            }
            JsonNode room1 = api.get("/api/rooms/" + room, bob.token()).json();
            assertThat(room1.get("lastSeq").asLong()).isEqualTo(1);
        }
    }

    @Test
    void aRepeatedClientMessageIdIsStoredAndBroadcastOnceAndReceiptedTwice() {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        try (StompTestClient client = connect(alice)) {
            Inbox inbox = client.subscribe("/topic/rooms." + room);
            String body = "{\"content\":\"once\",\"clientMessageId\":\"NULL\"}"; // an id, not SQL's NULL
            StompTestClient.await(client.send("/app/rooms." + room + ".send", body, "first"));
            StompTestClient.await(client.send("/app/rooms." + room + ".send", body, "second"));
            StompTestClient.await(client.send("/app/rooms." + room + ".send", "{\"content\":\"after\"}", "third"));

            // "after" is the fence: published after both sends of "once", it comes after anything they published
            List<JsonNode> messages = inbox.until(e -> "after".equals(e.path("content").asString())).stream()
                .filter(e -> e.get("type").asString().equals("MESSAGE"))
                .toList();
            assertThat(messages).extracting(e -> e.get("content").asString()).containsExactly("once", "after");
            assertThat(messages).extracting(e -> e.get("seq").asLong()).containsExactly(1L, 2L);
            JsonNode history = api.get("/api/rooms/" + room + "/messages", alice.token()).json();
            assertThat(history).hasSize(2);
        }
    }

    @Test
    void badSendsGetAnErrorEventAndNoReceiptAndTheConnectionStaysUsable() {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        String send = "/app/rooms." + room + ".send";
        try (StompTestClient client = connect(alice)) {
            Inbox errors = client.subscribe("/user/queue/errors");
            Inbox roomEvents = client.subscribe("/topic/rooms." + room);

            CompletableFuture<Void> invalidJson = client.send(send, "{not json", "bad-json");
            assertError(errors.next(), "INVALID_JSON", "bad-json", null);

            CompletableFuture<Void> empty = client.send(send, "{\"content\":\"   \",\"clientMessageId\":\"c-empty\"}", "empty");
            assertError(errors.next(), "INVALID_CONTENT", "empty", "c-empty");

            CompletableFuture<Void> tooLong = client.send(send, "{\"content\":\"" + "x".repeat(4001) + "\"}", "too-long");
            assertError(errors.next(), "INVALID_CONTENT", "too-long", null);

            CompletableFuture<Void> missingRoom = client.send("/app/rooms.999999999.send", "{\"content\":\"hi\"}", "no-room");
            assertError(errors.next(), "NOT_FOUND", "no-room", null);

            // a 70 KiB body arrives in parts (the server buffers 8 KiB per session), is joined, and is refused
            CompletableFuture<Void> tooLarge = client.send(send, "{\"content\":\"" + "z".repeat(70 * 1024) + "\"}", "too-large");
            assertError(errors.next(), "TOO_LARGE", "too-large", null);

            // 4000 characters of 4 bytes each: parts split inside characters are joined exactly
            String emoji = "\uD83D\uDE00".repeat(3999) + "\u00e9";
            StompTestClient.await(client.send(send, "{\"content\":\"" + emoji + "\"}", "emoji"));
            assertThat(roomEvents.next("MESSAGE").get("content").asString()).isEqualTo(emoji);

            // exactly 4000 characters is fine, and the session still works
            StompTestClient.await(client.send(send, "{\"content\":\"" + "y".repeat(4000) + "\"}", "ok"));
            assertThat(roomEvents.next("MESSAGE").get("content").asString()).hasSize(4000);
            assertThat(client.isConnected()).isTrue();
            assertThat(List.of(invalidJson, empty, tooLong, missingRoom, tooLarge)).noneMatch(CompletableFuture::isDone);
            assertThat(api.get("/api/rooms/" + room + "/messages", alice.token()).json()).hasSize(2);
        }
    }

    @Test
    void aNonMemberCannotSendToAPrivateRoom() {
        Api api = api();
        User owner = api.newUser("owner");
        User stranger = api.newUser("stranger");
        long room = api.createRoom(owner, "PRIVATE");
        try (StompTestClient client = connect(stranger)) {
            Inbox errors = client.subscribe("/user/queue/errors");
            client.send("/app/rooms." + room + ".send", "{\"content\":\"let me in\"}", "sneak");
            assertError(errors.next(), "NOT_FOUND", "sneak", null);
        }
        assertThat(api.get("/api/rooms/" + room + "/messages", owner.token()).json()).isEmpty();
    }

    private static void assertError(JsonNode error, String code, String receiptId, String clientMessageId) {
        assertThat(error.get("type").asString()).isEqualTo("ERROR");
        assertThat(error.get("code").asString()).isEqualTo(code);
        assertThat(error.get("message").asString()).isNotBlank();
        assertThat(error.get("receiptId").asString()).isEqualTo(receiptId);
        if (clientMessageId == null) {
            assertThat(error.get("clientMessageId").isNull()).isTrue();
        }
        else {
            assertThat(error.get("clientMessageId").asString()).isEqualTo(clientMessageId);
        }
    }
}
