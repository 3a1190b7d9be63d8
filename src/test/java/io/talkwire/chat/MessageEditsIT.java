package io.talkwire.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;

import io.talkwire.Api;
import io.talkwire.Api.Response;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import io.talkwire.TalkwireInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import static io.talkwire.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** Editing and deleting messages: who may, what history shows, and the room events on every instance. */
class MessageEditsIT extends IntegrationTest {

    @Test
    void theSenderEditsAndEveryoneSeesMessageEditedOnEveryInstance() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long room = api.createRoom(alice, "PUBLIC");
        try (TalkwireInstance other = TalkwireInstance.start(); StompTestClient here = connect(alice);
                StompTestClient there = StompTestClient.connect(other.port(), bob.token())) {
            Inbox aliceRoom = here.subscribe("/topic/rooms." + room);
            Inbox bobRoom = there.subscribe("/topic/rooms." + room);
            long seq = api.say(alice, room, "helo");

            Response edited = api.patch("/api/rooms/" + room + "/messages/" + seq, alice.token(), "{\"content\":\"  hello  \"}");
            assertThat(edited.status()).isEqualTo(200);
            assertThat(edited.json().get("content").asString()).isEqualTo("hello");
            assertThat(edited.json().get("seq").asLong()).isEqualTo(seq);
            assertThat(edited.json().get("editedAt").isNull()).isFalse();
            assertThat(edited.json().get("deleted").asBoolean()).isFalse();

            for (Inbox inbox : new Inbox[] { aliceRoom, bobRoom }) {
                assertThat(inbox.next("MESSAGE").get("content").asString()).isEqualTo("helo");
                JsonNode event = inbox.next("MESSAGE_EDITED");
                assertThat(event.get("roomId").asLong()).isEqualTo(room);
                assertThat(event.get("seq").asLong()).isEqualTo(seq);
                assertThat(event.get("content").asString()).isEqualTo("hello");
                assertThat(event.get("editedAt").asString()).isEqualTo(edited.json().get("editedAt").asString());
            }
            JsonNode stored = api.get("/api/rooms/" + room + "/messages?after=0", bob.token()).json().get(0);
            assertThat(stored.get("content").asString()).isEqualTo("hello");
            assertThat(stored.get("editedAt").asString()).isEqualTo(edited.json().get("editedAt").asString());
        }
    }

    /** Edits racing each other through one instance reach subscribers in the order of their commits. */
    @Test
    void racingEditsArriveInCommitOrder() throws Exception {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        try (StompTestClient client = connect(alice)) {
            Inbox inbox = client.subscribe("/topic/rooms." + room);
            long seq = api.say(alice, room, "v0");
            String path = "/api/rooms/" + room + "/messages/" + seq;
            int edits = 40;
            try (var editors = java.util.concurrent.Executors.newFixedThreadPool(2)) {
                List<Future<?>> running = new ArrayList<>();
                for (String editor : new String[] { "a", "b" }) {
                    running.add(editors.submit(() -> {
                        for (int i = 0; i < edits; i++) {
                            assertThat(api.patch(path, alice.token(), "{\"content\":\"" + editor + i + "\"}").status())
                                .isEqualTo(200);
                        }
                        return null;
                    }));
                }
                for (Future<?> editor : running) {
                    editor.get();
                }
            }
            String last = null;
            for (int i = 0; i < 2 * edits; i++) {
                last = inbox.next("MESSAGE_EDITED").get("content").asString();
            }
            String stored = api.get("/api/rooms/" + room + "/messages?after=0", alice.token()).json().get(0)
                .get("content").asString();
            assertThat(last).isEqualTo(stored);
        }
    }

    @Test
    void aDeletedMessageKeepsItsSeqAsATombstoneAndCannotBeEdited() {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        try (StompTestClient client = connect(alice)) {
            Inbox inbox = client.subscribe("/topic/rooms." + room);
            long first = api.say(alice, room, "oops");
            long second = api.say(alice, room, "fine");
            assertThat(api.delete("/api/rooms/" + room + "/messages/" + first, alice.token()).status()).isEqualTo(204);
            JsonNode deleted = inbox.next("MESSAGE_DELETED");
            assertThat(deleted.get("seq").asLong()).isEqualTo(first);
            assertThat(deleted.get("by").asString()).isEqualTo(alice.name());

            JsonNode history = api.get("/api/rooms/" + room + "/messages?after=0", alice.token()).json();
            assertThat(history).hasSize(2);
            assertThat(history.get(0).get("seq").asLong()).isEqualTo(first);
            assertThat(history.get(0).get("content").asString()).isEmpty();
            assertThat(history.get(0).get("deleted").asBoolean()).isTrue();
            assertThat(history.get(1).get("seq").asLong()).isEqualTo(second);
            assertThat(history.get(1).get("deleted").asBoolean()).isFalse();

            assertProblem(api.patch("/api/rooms/" + room + "/messages/" + first, alice.token(), "{\"content\":\"back\"}"), 404);
            // deleting again is a retry: fine, and nobody hears of it twice
            assertThat(api.delete("/api/rooms/" + room + "/messages/" + first, alice.token()).status()).isEqualTo(204);
            long fence = api.say(alice, room, "fence");
            assertThat(inbox.until(e -> e.path("seq").asLong() == fence && "MESSAGE".equals(e.path("type").asString())))
                .noneMatch(e -> "MESSAGE_DELETED".equals(e.path("type").asString()));
        }
    }

    @Test
    void onlyTheSenderEditsAndTheSenderOrTheOwnerDeletes() {
        Api api = api();
        User owner = api.newUser("owner");
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long room = api.createRoom(owner, "PUBLIC");
        long bySender = api.say(alice, room, "alice's");
        long another = api.say(alice, room, "alice's too");
        long byOwner = api.say(owner, room, "owner's");

        assertProblem(api.patch("/api/rooms/" + room + "/messages/" + bySender, bob.token(), "{\"content\":\"x\"}"), 403);
        assertProblem(api.patch("/api/rooms/" + room + "/messages/" + bySender, owner.token(), "{\"content\":\"x\"}"), 403);
        assertProblem(api.delete("/api/rooms/" + room + "/messages/" + bySender, bob.token()), 403);
        assertProblem(api.delete("/api/rooms/" + room + "/messages/" + byOwner, alice.token()), 403);
        assertThat(api.delete("/api/rooms/" + room + "/messages/" + another, alice.token()).status()).isEqualTo(204);
        assertThat(api.delete("/api/rooms/" + room + "/messages/" + bySender, owner.token()).status()).isEqualTo(204);

        // in a DIRECT room nobody owns the other's messages
        long direct = api.directRoom(alice, bob);
        long bobs = api.say(bob, direct, "mine");
        assertProblem(api.delete("/api/rooms/" + direct + "/messages/" + bobs, alice.token()), 403);
    }

    @Test
    void aRoomIMayNotReadHidesItsMessages() {
        Api api = api();
        User owner = api.newUser("owner");
        User stranger = api.newUser("stranger");
        long room = api.createRoom(owner, "PRIVATE");
        long seq = api.say(owner, room, "secret");
        assertProblem(api.patch("/api/rooms/" + room + "/messages/" + seq, stranger.token(), "{\"content\":\"x\"}"), 404);
        assertProblem(api.delete("/api/rooms/" + room + "/messages/" + seq, stranger.token()), 404);
        assertProblem(api.patch("/api/rooms/" + room + "/messages/999", owner.token(), "{\"content\":\"x\"}"), 404);
        assertProblem(api.delete("/api/rooms/" + room + "/messages/999", owner.token()), 404);
    }

    @ParameterizedTest
    @ValueSource(strings = { "{}", "{\"content\":\"\"}", "{\"content\":\"   \"}", "{\"content\":42}", "not json",
            "{\"content\":\"\\u0000\"}" })
    void badEditsAre400(String body) {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        long seq = api.say(alice, room, "original");
        assertProblem(api.patch("/api/rooms/" + room + "/messages/" + seq, alice.token(), body), 400);
        assertThat(api.get("/api/rooms/" + room + "/messages?after=0", alice.token()).json().get(0).get("content").asString())
            .isEqualTo("original");
    }

    @Test
    void nonNumericSeqsAre400() {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        assertProblem(api.patch("/api/rooms/" + room + "/messages/abc", alice.token(), "{\"content\":\"x\"}"), 400);
        assertProblem(api.delete("/api/rooms/" + room + "/messages/abc", alice.token()), 400);
    }
}
