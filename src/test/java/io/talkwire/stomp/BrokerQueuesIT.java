package io.talkwire.stomp;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

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
import static org.awaitility.Awaitility.await;

/**
 * Personal destinations leave no queue behind in RabbitMQ, and room subscriptions make none (the instance fans room
 * events out from its one queue). Instances are linked through RabbitMQ each way, never to themselves, and one that
 * stops leaves neither its queue nor its exchange behind.
 */
class BrokerQueuesIT extends IntegrationTest {

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
            assertThat(sessionQueues).hasSize(2).allMatch(q -> q.get("auto_delete").asBoolean() && !q.get("durable").asBoolean());
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
    void instancesGetEachOthersRoomEventsButNotTheirOwnAndLeaveNothingBehind() throws Exception {
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
