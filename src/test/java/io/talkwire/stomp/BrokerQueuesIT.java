package io.talkwire.stomp;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.TalkwireInstance;
import io.talkwire.TestServices;
import io.talkwire.presence.InstanceLease;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * What each fan-out mode makes in RabbitMQ, read through its management API. In {@code broker} mode a room subscription
 * is one exclusive queue of its session bound to {@code amq.topic} with {@code rooms.{id}}, gone within 5 s after UNSUBSCRIBE,
 * DISCONNECT or a dropped socket; in {@code instance} mode it makes none, and instances are linked each way, never to
 * themselves, leaving neither queue nor exchange behind when they stop. In both, personal destinations leave nothing
 * behind, and nothing a client sends makes anything durable.
 */
class BrokerQueuesIT extends IntegrationTest {

    private static final Duration GONE_WITHIN = Duration.ofSeconds(5);

    @Autowired
    InstanceLease instance;

    @Value("${spring.rabbitmq.username}")
    String rabbitUser;

    @Value("${spring.rabbitmq.password}")
    String rabbitPassword;

    @Test
    void noQueueOutlivesItsSession() throws Exception {
        Api api = api();
        User alice = api.newUser("alice");
        User offline = api.newUser("offline");
        long room = api.createRoom(alice, "PUBLIC");
        // the relay's own system subscriptions (user registry, unresolved user destinations) live with the app
        List<String> before = names(talkwireQueues());
        try (StompTestClient client = connect(alice)) {
            client.subscribe("/user/queue/events");
            client.subscribe("/user/queue/errors");
            client.subscribe("/topic/rooms." + room);
            List<JsonNode> sessionQueues = talkwireQueues().stream().filter(q -> !before.contains(q.get("name").asString())).toList();
            assertThat(sessionQueues).hasSize(TestServices.brokerFanout() ? 3 : 2)
                .allMatch(q -> q.get("auto_delete").asBoolean() && !q.get("durable").asBoolean()
                        && q.get("exclusive").asBoolean());
            // personal events for a user who is not connected, and an error for a session not subscribed to errors
            api.post("/api/direct/" + offline.name(), alice.token(), "");
            try (StompTestClient other = connect(offline)) {
                other.send("/app/rooms." + room + ".send", "{}", "x");
            }
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(names(talkwireQueues())).isSubsetOf(before));
        assertThat(names(talkwireQueues())).noneMatch(name -> name.contains("-user"));
    }

    @Test
    void inBrokerModeARoomSubscriptionIsOneQueueBoundToAmqTopicUntilUnsubscribed() throws Exception {
        assumeThat(TestServices.brokerFanout()).as("broker fan-out").isTrue();
        assertSubscriptionQueueGoesWhen(client -> {
            client.send("UNSUBSCRIBE", Map.of("id", "room", "receipt", "unsubscribed"), "");
            assertThat(client.next("RECEIPT").headers()).containsEntry("receipt-id", "unsubscribed");
        });
    }

    @Test
    void inBrokerModeARoomSubscriptionQueueGoesWithDisconnect() throws Exception {
        assumeThat(TestServices.brokerFanout()).as("broker fan-out").isTrue();
        assertSubscriptionQueueGoesWhen(client -> client.send("DISCONNECT", Map.of(), ""));
    }

    @Test
    void inBrokerModeARoomSubscriptionQueueGoesWithADroppedSocket() throws Exception {
        assumeThat(TestServices.brokerFanout()).as("broker fan-out").isTrue();
        assertSubscriptionQueueGoesWhen(RawStompClient::drop);
    }

    @Test
    void inInstanceModeARoomSubscriptionMakesNoQueue() throws Exception {
        assumeThat(TestServices.brokerFanout()).as("broker fan-out").isFalse();
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        try (RawStompClient client = subscribedRaw(alice, room, Map.of())) {
            assertThat(roomBindings(room)).isEmpty();
        }
    }

    @Test
    void headersThatRabbitMqActsOnMakeNothingDurableNamedOrShared() throws Exception {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        Map<String, String> tricks = Map.of("durable", "true", "auto-delete", "false", "x-queue-name", "talkwire-stolen",
                "x-queue-type", "quorum", "persistent", "true", "exclusive", "false", "prefetch-count", "0");
        try (RawStompClient client = subscribedRaw(alice, room, tricks)) {
            List<String> bound = roomBindings(room);
            assertThat(bound).hasSize(TestServices.brokerFanout() ? 1 : 0);
            for (String queue : bound) {
                JsonNode info = Api.parse(get("/api/queues/%2F/" + queue).body());
                assertThat(info.get("durable").asBoolean()).isFalse();
                assertThat(info.get("exclusive").asBoolean()).as("exclusive to its session").isTrue();
                assertThat(queue).startsWith("stomp-subscription-");
            }
            assertThat(get("/api/queues/%2F/talkwire-stolen").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void instancesGetEachOthersRoomEventsButNotTheirOwnAndLeaveNothingBehind() throws Exception {
        assumeThat(TestServices.brokerFanout()).as("broker fan-out").isFalse();
        String a = instance.id();
        String b;
        try (TalkwireInstance second = TalkwireInstance.start()) {
            b = second.bean(InstanceLease.class).id();
            // other test contexts still running are instances too
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                assertThat(routes(a)).contains("talkwire.rooms.to." + a + " keep-alive", "talkwire.rooms.to." + b + " rooms.*")
                    .doesNotContain("talkwire.rooms.to." + a + " rooms.*");
                assertThat(routes(b)).contains("talkwire.rooms.to." + b + " keep-alive", "talkwire.rooms.to." + a + " rooms.*")
                    .doesNotContain("talkwire.rooms.to." + b + " rooms.*");
            });
        }
        // gone as it stops, not when the survivors next look (some never saw it: it took its lease with it)
        assertThat(get("/api/exchanges/%2F/talkwire.rooms.from." + b).statusCode()).isEqualTo(404);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(get("/api/queues/%2F/talkwire.rooms.to." + b).statusCode()).isEqualTo(404);
            assertThat(routes(a)).noneMatch(route -> route.contains(b));
        });
    }

    /** A subscription makes exactly one queue bound with the room's key, which {@code end} removes within 5 s. */
    private void assertSubscriptionQueueGoesWhen(Consumer<RawStompClient> end) throws Exception {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        try (RawStompClient client = subscribedRaw(alice, room, Map.of())) {
            List<String> bound = roomBindings(room);
            assertThat(bound).hasSize(1);
            JsonNode queue = Api.parse(get("/api/queues/%2F/" + bound.getFirst()).body());
            assertThat(queue.get("durable").asBoolean()).isFalse();
            assertThat(queue.get("exclusive").asBoolean()).as("exclusive to its session").isTrue();
            end.accept(client);
            await().atMost(GONE_WITHIN).untilAsserted(() -> {
                assertThat(roomBindings(room)).isEmpty();
                assertThat(get("/api/queues/%2F/" + bound.getFirst()).statusCode()).isEqualTo(404);
            });
        }
    }

    /** A session subscribed to the room with subscription id "room", by hand, with these extra headers. */
    private RawStompClient subscribedRaw(User user, long room, Map<String, String> extraHeaders) {
        RawStompClient client = new RawStompClient(port);
        assertThat(client.connect(user.token(), "0,0").command()).isEqualTo("CONNECTED");
        Map<String, String> headers = new java.util.HashMap<>(extraHeaders);
        headers.putAll(Map.of("id", "room", "destination", "/topic/rooms." + room, "receipt", "subscribed"));
        client.send("SUBSCRIBE", headers, "");
        assertThat(client.next("RECEIPT").headers()).containsEntry("receipt-id", "subscribed");
        return client;
    }

    /** The queues bound to {@code amq.topic} with the room's routing key. */
    private List<String> roomBindings(long room) throws Exception {
        HttpResponse<String> response = get("/api/exchanges/%2F/amq.topic/bindings/source");
        assertThat(response.statusCode()).isEqualTo(200);
        return Api.parse(response.body()).valueStream()
            .filter(binding -> ("rooms." + room).equals(binding.get("routing_key").asString()))
            .map(binding -> binding.get("destination").asString())
            .toList();
    }

    /** Where an instance's room events go: each binding of its exchange as "queue routing-key". */
    private List<String> routes(String instanceId) throws Exception {
        HttpResponse<String> response = get("/api/exchanges/%2F/talkwire.rooms.from." + instanceId + "/bindings/source");
        assertThat(response.statusCode()).isEqualTo(200);
        return Api.parse(response.body()).valueStream()
            .map(binding -> binding.get("destination").asString() + " " + binding.get("routing_key").asString())
            .toList();
    }

    private static List<String> names(List<JsonNode> queues) {
        return queues.stream().map(q -> q.get("name").asString()).toList();
    }

    /** Queues that Talkwire's STOMP traffic made: subscription queues and per-session user queues. */
    private List<JsonNode> talkwireQueues() throws Exception {
        HttpResponse<String> response = get("/api/queues");
        assertThat(response.statusCode()).isEqualTo(200);
        return Api.parse(response.body()).valueStream()
            .filter(q -> q.get("name").asString().startsWith("stomp-subscription-") || q.get("name").asString().contains("-user"))
            .toList();
    }

    /** A GET of RabbitMQ's management API. */
    private HttpResponse<String> get(String path) throws Exception {
        String auth = Base64.getEncoder().encodeToString((rabbitUser + ":" + rabbitPassword).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(TestServices.rabbitManagementUrl() + path))
            .header("Authorization", "Basic " + auth)
            .build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }
}
