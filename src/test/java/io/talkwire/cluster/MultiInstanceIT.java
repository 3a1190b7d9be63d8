package io.talkwire.cluster;

import java.time.Duration;
import java.util.List;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import io.talkwire.TalkwireInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** Two instances (A: the test's own, B: another context) on one RabbitMQ and one PostgreSQL are one chat. */
class MultiInstanceIT extends IntegrationTest {

    private static TalkwireInstance b;

    @BeforeAll
    static void startSecondInstance() {
        b = TalkwireInstance.start();
    }

    @AfterAll
    static void stopSecondInstance() {
        b.close();
    }

    @Test
    void messagesSentOnEitherInstanceReachSubscribersOnBothOnce() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long room = api.createRoom(alice, "PUBLIC");
        try (StompTestClient aliceOnA = connect(alice); StompTestClient bobOnB = StompTestClient.connect(b.port(), bob.token())) {
            Inbox aliceInbox = aliceOnA.subscribe("/topic/rooms." + room);
            Inbox bobInbox = bobOnB.subscribe("/topic/rooms." + room);

            StompTestClient.await(aliceOnA.send("/app/rooms." + room + ".send", "{\"content\":\"from A\"}", "a"));
            assertThat(b.api().post("/api/rooms/" + room + "/messages", bob.token(), "{\"content\":\"from B over REST\"}").status())
                .isEqualTo(201);

            for (Inbox inbox : List.of(aliceInbox, bobInbox)) {
                List<String> contents = inbox.drain(Duration.ofSeconds(1)).stream()
                    .filter(e -> e.get("type").asString().equals("MESSAGE"))
                    .map(e -> e.get("content").asString())
                    .toList();
                assertThat(contents).containsExactly("from A", "from B over REST");
            }
        }
    }

    @Test
    void oneUserOnTwoInstancesIsOneJoinAndOneLeaveWithTheSameCountsEverywhere() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long room = api.createRoom(alice, "PUBLIC");
        String topic = "/topic/rooms." + room;
        try (StompTestClient bobOnB = StompTestClient.connect(b.port(), bob.token())) {
            Inbox watcher = bobOnB.subscribe(topic);
            StompTestClient aliceOnA = connect(alice);
            aliceOnA.subscribe(topic);
            JsonNode join = watcher.next(e -> alice.name().equals(e.path("user").asString()));
            assertThat(join.get("type").asString()).isEqualTo("JOIN");
            assertThat(join.get("online").asLong()).isEqualTo(2);

            StompTestClient aliceOnB = StompTestClient.connect(b.port(), alice.token());
            aliceOnB.subscribe(topic);
            assertThat(onlineCount(api, room, bob)).isEqualTo(2);
            assertThat(onlineCount(b.api(), room, bob)).isEqualTo(2);

            aliceOnA.close();
            assertThat(watcher.drain(Duration.ofSeconds(1))).noneMatch(e -> alice.name().equals(e.path("user").asString()));

            aliceOnB.close();
            JsonNode leave = watcher.next(e -> alice.name().equals(e.path("user").asString()));
            assertThat(leave.get("type").asString()).isEqualTo("LEAVE");
            assertThat(leave.get("online").asLong()).isEqualTo(1);
            assertThat(onlineCount(api, room, bob)).isEqualTo(1);
            assertThat(onlineCount(b.api(), room, bob)).isEqualTo(1);
        }
    }

    @Test
    void personalEventsReachTheUserOnWhicheverInstancesTheyAreConnectedTo() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        User carol = api.newUser("carol");
        try (StompTestClient aliceOnB = StompTestClient.connect(b.port(), alice.token())) {
            Inbox aliceEventsOnB = aliceOnB.subscribe("/user/queue/events");

            // bob opens the DIRECT room through A, where alice has no session
            long room = api.post("/api/direct/" + alice.name(), bob.token(), "").json().get("id").asLong();
            JsonNode added = aliceEventsOnB.next();
            assertThat(added.get("type").asString()).isEqualTo("ROOM_ADDED");
            assertThat(added.get("room").get("id").asLong()).isEqualTo(room);

            // alice on both instances: an event from either reaches both sessions, once each
            try (StompTestClient aliceOnA = connect(alice)) {
                Inbox aliceEventsOnA = aliceOnA.subscribe("/user/queue/events");
                long privateRoom = api.createRoom(carol, "PRIVATE");
                assertThat(b.api().put("/api/rooms/" + privateRoom + "/members/" + alice.name(), carol.token()).status())
                    .isEqualTo(204);
                for (Inbox inbox : List.of(aliceEventsOnA, aliceEventsOnB)) {
                    List<JsonNode> events = inbox.drain(Duration.ofSeconds(1));
                    assertThat(events).hasSize(1);
                    assertThat(events.get(0).get("room").get("id").asLong()).isEqualTo(privateRoom);
                }
            }
        }
    }

    @Test
    void sendErrorsReachTheSendingSessionOnItsInstance() {
        User alice = api().newUser("alice");
        try (StompTestClient aliceOnB = StompTestClient.connect(b.port(), alice.token());
                StompTestClient aliceOnA = connect(alice)) {
            Inbox errorsOnB = aliceOnB.subscribe("/user/queue/errors");
            Inbox errorsOnA = aliceOnA.subscribe("/user/queue/errors");
            aliceOnB.send("/app/rooms.1.send", "{\"content\":\"\"}", "bad");
            assertThat(errorsOnB.next().get("receiptId").asString()).isEqualTo("bad");
            assertThat(errorsOnA.drain(Duration.ofMillis(500))).isEmpty();
        }
    }

    private static long onlineCount(Api api, long room, User reader) {
        return api.get("/api/rooms/" + room, reader.token()).json().get("onlineCount").asLong();
    }
}
