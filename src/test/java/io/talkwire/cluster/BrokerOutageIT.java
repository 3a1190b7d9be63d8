package io.talkwire.cluster;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.ChaosProxy;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import io.talkwire.TalkwireInstance;
import io.talkwire.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * RabbitMQ goes away for one instance and comes back: both of its links, the STOMP relay's and AMQP's (room events,
 * revocations), go through proxies that are cut and restored together, while the shared test instance keeps its own.
 * Sessions are closed with an ERROR frame, the relay reconnects by itself, nothing that was acknowledged is lost, live
 * delivery resumes, and the online counts other instances' subscribers hold are put right without a REST call.
 */
class BrokerOutageIT extends IntegrationTest {

    /** How soon after the links return every subscriber must count the room's users right again. */
    private static final Duration PRESENCE_REPAIRED_WITHIN = Duration.ofSeconds(20);

    private ChaosProxy relay;

    private ChaosProxy amqp;

    private TalkwireInstance instance;

    @BeforeEach
    void startInstanceBehindProxies() {
        relay = new ChaosProxy(TestServices.rabbitHost(), TestServices.relayPort());
        amqp = new ChaosProxy(TestServices.rabbitHost(), TestServices.amqpPort());
        // the relay takes its host from spring.rabbitmq.host as well: both proxies listen on the same loopback address
        instance = TalkwireInstance.start(Map.of(
                "spring.rabbitmq.host", amqp.host(),
                "spring.rabbitmq.port", amqp.port(),
                "talkwire.relay.port", relay.port()));
        await().atMost(Duration.ofSeconds(20))
            .until(() -> instance.api().health("stompRelay").equals("UP") && instance.api().health("rabbit").equals("UP"));
    }

    @AfterEach
    void stop() {
        try {
            // a test that failed mid-outage: let the instance stop as it would normally (its presence, lease and queues)
            restoreBrokerLinks();
        }
        finally {
            try {
                instance.close();
            }
            finally {
                relay.close();
                amqp.close();
            }
        }
    }

    @Test
    void sessionsAreClosedHealthShowsTheRelayDownAndEverythingIsRecoveredAfterwards() {
        Api api = instance.api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        StompTestClient client = StompTestClient.connect(instance.port(), alice.token());
        client.subscribe("/topic/rooms." + room);

        cutBrokerLinks();
        assertThat(client.expectErrorAndClose()).isNotBlank();
        // both links are really gone, not only the relay's
        await().atMost(Duration.ofSeconds(15))
            .until(() -> instance.api().health("stompRelay").equals("DOWN") && instance.api().health("rabbit").equals("DOWN"));
        assertThat(api.get("/actuator/health", null).status()).isEqualTo(503);

        // REST sends during the outage commit (201) and are found through history later
        Api.Response during = api.post("/api/rooms/" + room + "/messages", alice.token(), "{\"content\":\"while RabbitMQ was away\"}");
        assertThat(during.status()).isEqualTo(201);
        // new STOMP sessions are refused while the broker is away
        assertThat(StompTestClient.refusedConnectWithToken(instance.port(), alice.token())).contains("Broker not available");

        restoreBrokerLinks();
        await().atMost(Duration.ofSeconds(30)).until(() -> instance.api().health("stompRelay").equals("UP"));
        try (StompTestClient again = StompTestClient.connect(instance.port(), alice.token())) {
            Inbox inbox = again.subscribe("/topic/rooms." + room);
            JsonNode missed = api.get("/api/rooms/" + room + "/messages?after=0", alice.token()).json();
            assertThat(missed).hasSize(1);
            assertThat(missed.get(0).get("content").asString()).isEqualTo("while RabbitMQ was away");
            StompTestClient.await(again.send("/app/rooms." + room + ".send", "{\"content\":\"back\"}", "back"));
            assertThat(inbox.next("MESSAGE").get("seq").asLong()).isEqualTo(2);
        }
    }

    /**
     * Senders stream messages; the links are cut at a moment when SENDs are waiting for their RECEIPT, and restored
     * after 3 s. History (REST) is the truth for what was stored; what each client received live over STOMP is checked
     * apart from what it fetched over REST, so that recovery cannot hide a live delivery that went missing:
     * <ul>
     * <li>live, before the cut: every message committed up to a point read while all clients were subscribed arrives
     * live to each of them;</li>
     * <li>live, after the restore: every message committed after all clients had subscribed again arrives live to each
     * of them; none arrives live twice, and live ones come in ascending seq;</li>
     * <li>the gap: messages committed while every client was disconnected never arrive live, and each client's REST
     * recovery fetched them.</li>
     * </ul>
     */
    @Test
    void noReceiptedMessageIsLostOrDoubledAndLiveDeliveryResumesWhenBothBrokerLinksAreCutMidStream() throws Exception {
        Api api = instance.api();
        User owner = api.newUser("owner");
        long room = api.createRoom(owner, "PUBLIC");
        SendLog sends = new SendLog();
        List<RecoveringClient> clients = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            clients.add(new RecoveringClient(instance.port(), api, api.newUser("sender" + c), room, sends));
        }
        try (Senders senders = new Senders(clients)) {
            // before the cut: whatever was committed while every client was subscribed reaches each of them live
            await().atMost(Duration.ofSeconds(60)).until(() -> sends.receiptedCount() >= 20);
            long liveBefore = api.lastSeq(owner, room);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                for (RecoveringClient client : clients) {
                    assertThat(client.liveSeqs()).as("live deliveries of %s before the cut", client.name())
                        .containsAll(seqs(1, liveBefore));
                }
            });

            // the cut, in the middle of the stream: some SENDs are handed over and unanswered at that very moment
            List<String> inFlightAtCut = sends.cutWhileInFlight(this::cutBrokerLinks);
            int receiptedAtCut = sends.receiptedCount();
            assertThat(inFlightAtCut).as("SENDs issued but not receipted when the links were cut").isNotEmpty();

            // the outage: no client has a session, so what is committed now can only be recovered over REST
            await().atMost(Duration.ofSeconds(15))
                .until(() -> clients.stream().noneMatch(RecoveringClient::isConnected));
            List<Long> duringOutage = new ArrayList<>();
            Set<String> outageIds = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                String id = "outage-" + i;
                Api.Response posted = api.post("/api/rooms/" + room + "/messages", owner.token(),
                        "{\"content\":\"while RabbitMQ was away\",\"clientMessageId\":\"%s\"}".formatted(id));
                assertThat(posted.status()).isEqualTo(201);
                duringOutage.add(posted.json().get("seq").asLong());
                outageIds.add(id);
            }
            TimeUnit.SECONDS.sleep(3);
            restoreBrokerLinks();

            // after the restore: once every client has subscribed again, everything committed reaches each live
            await().atMost(Duration.ofSeconds(60))
                .until(() -> clients.stream().allMatch(client -> client.subscriptions() >= 2));
            long allResubscribed = api.lastSeq(owner, room);
            int receiptedAtResubscribe = sends.receiptedCount();
            await().atMost(Duration.ofSeconds(60)).until(() -> sends.receiptedCount() >= receiptedAtResubscribe + 30);
            senders.stop();
            // the SENDs in flight at the cut go once more each, whether or not they were committed and receipted before
            // the session closed; each must be stored once
            senders.sendAgain(inFlightAtCut);

            JsonNode history = RecoveringClient.fetchAfter(api, owner, room, 0);
            List<Long> allSeqs = history.valueStream().map(m -> m.get("seq").asLong()).toList();
            long last = allSeqs.getLast();
            assertThat(last).isGreaterThan(allResubscribed);
            assertThat(allSeqs).as("seq numbers a room's messages without a gap").containsExactlyElementsOf(seqs(1, last));
            for (RecoveringClient client : clients) {
                await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                    client.collect();
                    assertThat(client.liveSeqs())
                        .as("live deliveries of %s after every client subscribed again", client.name())
                        .containsAll(seqs(allResubscribed + 1, last));
                });
            }
            TimeUnit.MILLISECONDS.sleep(500); // a live copy that arrives twice comes about as fast as the first

            // the cut hit the stream: SENDs were unanswered at the cut, the stream went on after it, and clientMessageIds
            // were sent more than once
            assertThat(receiptedAtCut).isLessThan(sends.receiptedCount());
            assertThat(sends.resentIds()).as("clientMessageIds sent again").isNotEmpty();

            // (a) history is the truth: every receipted SEND (and every REST send of the outage) is stored exactly once
            List<String> storedIds = history.valueStream().map(m -> m.get("clientMessageId").asString()).toList();
            Set<String> expectedIds = new HashSet<>(sends.receiptedIds());
            expectedIds.addAll(outageIds);
            assertThat(storedIds).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expectedIds);
            Map<Long, String> stored = history.valueStream()
                .collect(Collectors.toMap(m -> m.get("seq").asLong(), m -> m.get("clientMessageId").asString()));

            for (RecoveringClient client : clients) {
                client.collect();
                List<Long> live = client.liveSeqs();
                // (c) live deliveries on their own, outside the outage
                assertThat(live).as("live deliveries of %s", client.name()).doesNotHaveDuplicates().isSorted();
                assertThat(live).as("live deliveries of %s, committed before the cut", client.name())
                    .containsAll(seqs(1, liveBefore));
                assertThat(live).as("live deliveries of %s, committed after every client subscribed again", client.name())
                    .containsAll(seqs(allResubscribed + 1, last));
                // the outage made a gap, which only REST recovery filled
                assertThat(live).as("live deliveries of %s, committed while no client had a session", client.name())
                    .doesNotContainAnyElementsOf(duringOutage);
                assertThat(client.fetchedSeqs()).as("what %s fetched over REST", client.name()).containsAll(duringOutage);

                // (b) after recovery: every message exactly once, in seq order, as stored
                client.recover();
                assertThat(client.held()).as("what %s holds after recovery", client.name()).isEqualTo(stored);
                assertThat(client.heldSeqs()).containsExactlyElementsOf(allSeqs);
                client.close();
            }
        }
    }

    /**
     * JOIN and LEAVE events an instance published while its link to RabbitMQ was away reached
     * nobody, so once the link returns it publishes a PRESENCE snapshot of every room whose presence changed shortly
     * before or during the outage. A watcher on the shared instance (whose links stay up) sees a user on the cut
     * instance JOIN; the cut closes that user's session, and its LEAVE cannot get out (AMQP is cut before the relay, so
     * not even a LEAVE published before the relay noticed gets through). After the restore the watcher must count one
     * user again, with no REST call, through events alone.
     */
    @Test
    void afterTheOutageEverySubscriberCountsTheOnlineUsersRightWithoutARestCall() {
        Api api = api();
        User watcher = api.newUser("watcher");
        User leaver = api.newUser("leaver");
        long room = api.createRoom(watcher, "PUBLIC");
        String topic = "/topic/rooms." + room;
        try (StompTestClient watcherTab = connect(watcher)) {
            Inbox events = watcherTab.subscribe(topic);
            StompTestClient leaverTab = StompTestClient.connect(instance.port(), leaver.token());
            leaverTab.subscribe(topic);
            assertThat(events.next(e -> isPresence(e, "JOIN", leaver)).get("online").asLong()).isEqualTo(2);

            Instant cutAt = Instant.now();
            cutBrokerLinks();
            assertThat(leaverTab.expectErrorAndClose()).isNotBlank();
            // the LEAVE really is lost (or held back) while RabbitMQ is away: what follows cannot be the old LEAVE
            assertThat(events.drain(Duration.ofSeconds(2))).noneMatch(e -> isPresence(e, "LEAVE", leaver));

            restoreBrokerLinks();
            List<JsonNode> seen = new ArrayList<>();
            JsonNode settledBy = null;
            long deadline = System.nanoTime() + PRESENCE_REPAIRED_WITHIN.toNanos();
            while (settledBy == null && System.nanoTime() < deadline) {
                events.drain(Duration.ofMillis(100)).stream().filter(BrokerOutageIT::carriesOnline).forEach(seen::add);
                if (!seen.isEmpty() && countsRight(seen.getLast(), watcher, leaver)) {
                    settledBy = seen.getLast();
                }
            }
            assertThat(settledBy)
                .as("an event within %s of the restore after which the watcher counts 1 user; seen: %s",
                        PRESENCE_REPAIRED_WITHIN, seen)
                .isNotNull();
            // and nothing later undoes it (a stale snapshot, say)
            events.drain(Duration.ofSeconds(1)).stream().filter(BrokerOutageIT::carriesOnline).forEach(seen::add);
            assertThat(countsRight(seen.getLast(), watcher, leaver)).as("the last of %s", seen).isTrue();
            for (JsonNode event : seen) {
                if ("PRESENCE".equals(event.path("type").asString())) {
                    assertSnapshot(event, room, cutAt);
                }
            }
            assertThat(watcherTab.isConnected()).isTrue();
            // only now a REST call, to see that the events agree with the stored presence
            assertThat(api.get("/api/rooms/" + room, watcher.token()).json().get("onlineCount").asLong()).isEqualTo(1);
        }
    }

    /** Both links of the instance under test: AMQP first, so that nothing it publishes once the relay is down gets out. */
    private void cutBrokerLinks() {
        amqp.cut();
        relay.cut();
    }

    private void restoreBrokerLinks() {
        amqp.restore();
        relay.restore();
    }

    /** {@code from} to {@code to}, both included; empty when {@code to < from}. */
    private static List<Long> seqs(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    private static boolean isPresence(JsonNode event, String type, User user) {
        return type.equals(event.path("type").asString()) && user.name().equals(event.path("user").asString());
    }

    /** JOIN, LEAVE and PRESENCE set a subscriber's count of online users; MESSAGE events do not. */
    private static boolean carriesOnline(JsonNode event) {
        return List.of("JOIN", "LEAVE", "PRESENCE").contains(event.path("type").asString());
    }

    /** After this event the watcher counts 1 user: the leaver's LEAVE, or a snapshot of the watcher alone. */
    private static boolean countsRight(JsonNode event, User watcher, User leaver) {
        if (event.path("online").asLong() != 1) {
            return false;
        }
        return isPresence(event, "LEAVE", leaver) || ("PRESENCE".equals(event.path("type").asString())
                && event.path("users").valueStream().map(JsonNode::asString).toList().equals(List.of(watcher.name())));
    }

    /** {"type":"PRESENCE","roomId":n,"online":n,"users":[sorted, distinct],"at":ISO-8601}, taken after the cut. */
    private static void assertSnapshot(JsonNode event, long room, Instant cutAt) {
        assertThat(event.path("roomId").isIntegralNumber()).as("roomId of %s", event).isTrue();
        assertThat(event.path("roomId").asLong()).isEqualTo(room);
        assertThat(event.path("users").isArray()).as("users of %s", event).isTrue();
        List<String> users = event.path("users").valueStream().map(JsonNode::asString).toList();
        assertThat(users).as("users of %s", event).isSorted().doesNotHaveDuplicates();
        assertThat(event.path("online").isIntegralNumber()).as("online of %s", event).isTrue();
        assertThat(event.path("online").asLong()).as("online of %s", event).isEqualTo(users.size());
        assertThat(event.path("at").asString()).as("at of %s", event).endsWith("Z");
        assertThat(Instant.parse(event.path("at").asString())).as("at of %s", event).isAfter(cutAt);
    }
}
