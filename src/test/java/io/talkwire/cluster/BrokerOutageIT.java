package io.talkwire.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
 * RabbitMQ goes away and comes back (the STOMP link of one instance is cut by a proxy): sessions are closed with
 * an ERROR frame, the relay reconnects by itself, and nothing that was acknowledged is lost.
 */
class BrokerOutageIT extends IntegrationTest {

    private ChaosProxy broker;

    private TalkwireInstance instance;

    @BeforeEach
    void startInstanceBehindProxy() {
        broker = new ChaosProxy(TestServices.rabbitHost(), TestServices.relayPort());
        instance = TalkwireInstance.start(Map.of("talkwire.relay.port", broker.port()));
        await().atMost(Duration.ofSeconds(20)).until(() -> relayStatus().equals("UP"));
    }

    @AfterEach
    void stop() {
        instance.close();
        broker.close();
    }

    @Test
    void sessionsAreClosedHealthShowsTheRelayDownAndEverythingIsRecoveredAfterwards() {
        Api api = instance.api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        StompTestClient client = StompTestClient.connect(instance.port(), alice.token());
        client.subscribe("/topic/rooms." + room);

        broker.cut();
        assertThat(client.expectErrorAndClose()).isNotBlank();
        await().atMost(Duration.ofSeconds(15)).until(() -> relayStatus().equals("DOWN"));
        assertThat(api.get("/actuator/health", null).status()).isEqualTo(503);

        // REST sends during the outage commit (201) and are found through history later
        Api.Response during = api.post("/api/rooms/" + room + "/messages", alice.token(), "{\"content\":\"while RabbitMQ was away\"}");
        assertThat(during.status()).isEqualTo(201);
        // new STOMP sessions are refused while the broker is away
        assertThat(StompTestClient.refusedConnectWithToken(instance.port(), alice.token())).contains("Broker not available");

        broker.restore();
        await().atMost(Duration.ofSeconds(30)).until(() -> relayStatus().equals("UP"));
        try (StompTestClient again = StompTestClient.connect(instance.port(), alice.token())) {
            Inbox inbox = again.subscribe("/topic/rooms." + room);
            JsonNode missed = api.get("/api/rooms/" + room + "/messages?after=0", alice.token()).json();
            assertThat(missed).hasSize(1);
            assertThat(missed.get(0).get("content").asString()).isEqualTo("while RabbitMQ was away");
            StompTestClient.await(again.send("/app/rooms." + room + ".send", "{\"content\":\"back\"}", "back"));
            assertThat(inbox.next("MESSAGE").get("seq").asLong()).isEqualTo(2);
        }
    }

    @Test
    void noReceiptedMessageIsLostOrDoubledWhenTheBrokerLinkIsCutAndRestored() throws Exception {
        Api api = instance.api();
        User owner = api.newUser("owner");
        long room = api.createRoom(owner, "PUBLIC");
        List<RecoveringClient> clients = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            clients.add(new RecoveringClient(instance.port(), api, api.newUser("sender" + c), room));
        }
        AtomicInteger receipted = new AtomicInteger();
        Set<String> receiptedIds = ConcurrentHashMap.newKeySet();
        ExecutorService senders = Executors.newFixedThreadPool(clients.size());
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < clients.size(); c++) {
            RecoveringClient client = clients.get(c);
            int sender = c;
            running.add(senders.submit(() -> {
                for (int m = 0; m < 40; m++) {
                    String id = "c" + sender + "-" + m;
                    client.sendUntilReceipted(id);
                    receiptedIds.add(id);
                    receipted.incrementAndGet();
                }
            }));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> receipted.get() >= 20);
        broker.cut();
        TimeUnit.SECONDS.sleep(3);
        broker.restore();
        for (Future<?> sender : running) {
            sender.get(3, TimeUnit.MINUTES);
        }
        senders.shutdown();

        JsonNode history = RecoveringClient.fetchAfter(api, owner, room, 0);
        List<String> storedIds = history.valueStream().map(m -> m.get("clientMessageId").asString()).toList();
        assertThat(receiptedIds).hasSize(120);
        assertThat(storedIds).containsExactlyInAnyOrderElementsOf(receiptedIds);
        List<Long> allSeqs = history.valueStream().map(m -> m.get("seq").asLong()).toList();
        for (RecoveringClient client : clients) {
            client.recover();
            assertThat(client.heldSeqs()).containsExactlyElementsOf(allSeqs);
            client.close();
        }
    }

    private String relayStatus() {
        return instance.api().get("/actuator/health", null).json().path("components").path("stompRelay").path("status").asString();
    }

    /** A client as an app should be written: reconnect, re-subscribe, fetch what it missed, resend until receipted. */
    private static final class RecoveringClient {

        private final int port;

        private final Api api;

        private final User user;

        private final long room;

        private final Map<Long, String> held = new HashMap<>();

        private StompTestClient client;

        private Inbox inbox;

        private int attempts;

        RecoveringClient(int port, Api api, User user, long room) {
            this.port = port;
            this.api = api;
            this.user = user;
            this.room = room;
            connect();
        }

        void sendUntilReceipted(String clientMessageId) {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline) {
                collect();
                if (client == null || !client.isConnected()) {
                    connect();
                    continue;
                }
                try {
                    client.send("/app/rooms." + room + ".send",
                            "{\"content\":\"message %s\",\"clientMessageId\":\"%s\"}".formatted(clientMessageId, clientMessageId),
                            clientMessageId + "#" + ++attempts)
                        .get(3, TimeUnit.SECONDS);
                    return;
                }
                catch (Exception noReceiptYet) {
                    // disconnected (the link can be cut between the check above and the SEND), or slow: send again
                    // with the same clientMessageId, it is stored once
                }
            }
            throw new AssertionError("no RECEIPT for " + clientMessageId + " within 90 s");
        }

        void recover() {
            collect();
            long contiguous = 0;
            while (held.containsKey(contiguous + 1)) {
                contiguous++;
            }
            fetchAfter(api, user, room, contiguous).forEach(m -> held.put(m.get("seq").asLong(), m.get("clientMessageId").asString()));
        }

        List<Long> heldSeqs() {
            return held.keySet().stream().sorted().toList();
        }

        void close() {
            if (client != null) {
                client.close();
            }
        }

        private void connect() {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    client = StompTestClient.connect(port, user.token());
                    inbox = client.subscribe("/topic/rooms." + room);
                    recover();
                    return;
                }
                catch (RuntimeException | AssertionError brokerAway) {
                    sleep(500);
                }
            }
            throw new AssertionError("could not reconnect within 60 s");
        }

        private void collect() {
            if (inbox != null) {
                inbox.drain(Duration.ZERO).stream()
                    .filter(e -> e.get("type").asString().equals("MESSAGE"))
                    .forEach(e -> held.put(e.get("seq").asLong(), e.get("clientMessageId").asString()));
            }
        }

        /** Every message above {@code seq}, page by page, as PROTOCOL.md's "Missed messages" says. */
        static JsonNode fetchAfter(Api api, User user, long room, long seq) {
            var all = tools.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
            long after = seq;
            while (true) {
                JsonNode page = api.get("/api/rooms/" + room + "/messages?limit=200&after=" + after, user.token()).json();
                if (page.isEmpty()) {
                    return all;
                }
                page.forEach(all::add);
                after = page.get(page.size() - 1).get("seq").asLong();
            }
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
