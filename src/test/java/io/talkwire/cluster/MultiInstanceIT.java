package io.talkwire.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;

import io.micrometer.core.instrument.MeterRegistry;
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

import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two instances (A: the test's own, B: another context) on one RabbitMQ and one PostgreSQL are one chat. */
class MultiInstanceIT extends IntegrationTest {

    private static final int ORDER_CLIENTS = 6;

    private static final int ORDER_MESSAGES = 100;

    /** Bursts of ORDER_MESSAGES per client sent until one arrived out of order somewhere. */
    private static final int ORDER_BURSTS = 5;

    private static TalkwireInstance b;

    @Autowired
    private MeterRegistry meters;

    @Autowired
    private ConnectionFactory connectionFactory;

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
            // a fence from each instance: each publishes a room's events in order, so a subscriber that has both
            // fences has whatever either instance published of the two messages (a second copy too)
            assertThat(api.post("/api/rooms/" + room + "/messages", alice.token(), "{\"content\":\"fence A\"}").status())
                .isEqualTo(201);
            assertThat(b.api().post("/api/rooms/" + room + "/messages", bob.token(), "{\"content\":\"fence B\"}").status())
                .isEqualTo(201);

            for (Inbox inbox : List.of(aliceInbox, bobInbox)) {
                List<String> contents = untilBoth(inbox, "fence A", "fence B").stream()
                    .filter(e -> e.get("type").asString().equals("MESSAGE"))
                    .map(e -> e.get("content").asString())
                    .filter(content -> !content.startsWith("fence "))
                    .toList();
                assertThat(contents).containsExactly("from A", "from B over REST");
            }
        }
    }

    /**
     * Senders on both instances send at once into one room: each instance publishes its own commits, and a subscriber
     * on either instance still gets every message once, in seq order (RoomOrder holds one whose predecessor is still
     * on its way from the other instance). Whether any arrives the other way round is up to timing: bursts are sent
     * until one did (at most {@value #ORDER_BURSTS}), each burst checked for order.
     */
    @Test
    void messagesCommittedOnBothInstancesAtOnceReachEverySubscriberInSeqOrder() {
        Api api = api();
        User owner = api.newUser("owner");
        long room = api.createRoom(owner, "PUBLIC");
        String topic = "/topic/rooms." + room;
        List<StompTestClient> clients = new ArrayList<>();
        List<Inbox> inboxes = new ArrayList<>();
        for (int c = 0; c < ORDER_CLIENTS; c++) {
            User user = api.newUser("sender" + c);
            StompTestClient client = c % 2 == 0 ? connect(user) : StompTestClient.connect(b.port(), user.token());
            clients.add(client);
            inboxes.add(client.subscribe(topic));
        }
        double held = counted("talkwire.room.messages.held");
        double late = counted("talkwire.room.messages.late");
        try {
            long lastSeq = 0;
            for (int burst = 0; burst < ORDER_BURSTS && counted("talkwire.room.messages.held") == held; burst++) {
                List<CompletableFuture<Void>> receipts = new ArrayList<>();
                for (int m = 0; m < ORDER_MESSAGES; m++) {
                    for (int c = 0; c < ORDER_CLIENTS; c++) {
                        receipts.add(clients.get(c).send("/app/rooms." + room + ".send",
                                "{\"content\":\"%d-%d-%d\"}".formatted(burst, c, m), "r-" + burst + "-" + c + "-" + m));
                    }
                }
                StompTestClient.await(CompletableFuture.allOf(receipts.toArray(CompletableFuture[]::new)));

                List<Long> all = LongStream.rangeClosed(lastSeq + 1, lastSeq + ORDER_CLIENTS * ORDER_MESSAGES)
                    .boxed()
                    .toList();
                for (Inbox inbox : inboxes) {
                    List<Long> received = new ArrayList<>();
                    while (received.size() < all.size()) {
                        received.add(inbox.next("MESSAGE").get("seq").asLong());
                    }
                    assertThat(received).as("MESSAGE events in seq order").containsExactlyElementsOf(all);
                }
                lastSeq = all.getLast();
            }
            // they did arrive the other way round, and none arrived after its wait was over
            assertThat(counted("talkwire.room.messages.held")).isGreaterThan(held);
            assertThat(counted("talkwire.room.messages.late")).isEqualTo(late);
        }
        finally {
            clients.forEach(StompTestClient::close);
        }
    }

    /**
     * "Offline" is decided from presence on every instance: a DIRECT message committed on A does not notify its
     * recipient while the recipient is subscribed on B, and does once they have left. A's notifications leave in
     * commit order, so the later one arriving first and alone shows that the earlier one was never sent.
     */
    @Test
    void aRecipientOnlineOnTheOtherInstanceIsNotNotified() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long direct = api.directRoom(alice, bob);
        RabbitAdmin admin = new RabbitAdmin(connectionFactory);
        Queue queue = new Queue("notifications-test-" + UUID.randomUUID(), false, true, false);
        admin.declareQueue(queue);
        try {
            admin.declareBinding(BindingBuilder.bind(queue).to(new TopicExchange("talkwire.notifications"))
                .with("user." + bob.name()));
            try (StompTestClient bobOnB = StompTestClient.connect(b.port(), bob.token())) {
                bobOnB.subscribe("/topic/rooms." + direct); // live, and bob counted online, on return
                api.say(alice, direct, "while bob is online on B");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> api.get("/api/rooms/" + direct, alice.token()).json()
                .get("onlineCount").asLong() == 0);
            long offline = api.say(alice, direct, "after bob left");

            RabbitTemplate rabbit = new RabbitTemplate(connectionFactory);
            Message first = rabbit.receive(queue.getName(), 15_000);
            assertThat(first).as("the notification of the message sent after bob left").isNotNull();
            JsonNode notification = Api.parse(new String(first.getBody()));
            assertThat(notification.get("seq").asLong()).isEqualTo(offline);
            assertThat(notification.get("preview").asString()).isEqualTo("after bob left");
            assertThat(rabbit.receive(queue.getName(), 500)).isNull();
        }
        finally {
            admin.deleteQueue(queue.getName());
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

            // alice's tab on A also reads a room of her own: her presence there ends with the tab, which shows over
            // REST once A has handled the tab's end (in the room both tabs read, nothing is to change)
            long elsewhere = api.createRoom(alice, "PUBLIC");
            aliceOnA.subscribe("/topic/rooms." + elsewhere);
            aliceOnA.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> onlineCount(api, elsewhere, bob) == 0);
            // the fence: a presence change of the room on A after that one (A applies them in order, and publishes a
            // room's events in that order), so a JOIN or LEAVE of alice's from the tab's end would come before it
            User carol = api.newUser("carol");
            try (StompTestClient carolOnA = connect(carol)) {
                carolOnA.subscribe(topic);
                assertThat(watcher.until(e -> "JOIN".equals(e.path("type").asString())
                        && carol.name().equals(e.path("user").asString())))
                    .noneMatch(e -> alice.name().equals(e.path("user").asString()));
            }
            assertThat(watcher.next(e -> carol.name().equals(e.path("user").asString())).get("type").asString())
                .isEqualTo("LEAVE");

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
            long room = api.directRoom(bob, alice);
            JsonNode added = aliceEventsOnB.next();
            assertThat(added.get("type").asString()).isEqualTo("ROOM_ADDED");
            assertThat(added.get("room").get("id").asLong()).isEqualTo(room);

            // alice on both instances: an event from either reaches both sessions, once each
            try (StompTestClient aliceOnA = connect(alice)) {
                Inbox aliceEventsOnA = aliceOnA.subscribe("/user/queue/events");
                long privateRoom = api.createRoom(carol, "PRIVATE");
                assertThat(b.api().put("/api/rooms/" + privateRoom + "/members/" + alice.name(), carol.token()).status())
                    .isEqualTo(204);
                // the fence: a later event to alice from the same instance, which reaches each session after the first
                long fenceRoom = api.createRoom(carol, "PRIVATE");
                assertThat(b.api().put("/api/rooms/" + fenceRoom + "/members/" + alice.name(), carol.token()).status())
                    .isEqualTo(204);
                for (Inbox inbox : List.of(aliceEventsOnA, aliceEventsOnB)) {
                    List<JsonNode> events = inbox.until(e -> e.get("room").get("id").asLong() == fenceRoom);
                    assertThat(events).hasSize(2);
                    assertThat(events.get(0).get("type").asString()).isEqualTo("ROOM_ADDED");
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

    /** Every event up to and including both fence messages, in whichever order they come. */
    /** A counter of both instances, summed. */
    private double counted(String counter) {
        return meters.get(counter).counter().count() + b.bean(MeterRegistry.class).get(counter).counter().count();
    }

    private static List<JsonNode> untilBoth(Inbox inbox, String fence, String otherFence) {
        Set<String> waiting = new HashSet<>(Set.of(fence, otherFence));
        List<JsonNode> events = new ArrayList<>();
        while (!waiting.isEmpty()) {
            List<JsonNode> upToAFence = inbox.until(e -> waiting.contains(e.path("content").asString()));
            waiting.remove(upToAFence.getLast().get("content").asString());
            events.addAll(upToAFence);
        }
        return events;
    }

    private static long onlineCount(Api api, long room, User reader) {
        return api.get("/api/rooms/" + room, reader.token()).json().get("onlineCount").asLong();
    }
}
