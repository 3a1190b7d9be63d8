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
import io.talkwire.TestServices;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Personal destinations leave no queue behind in RabbitMQ, and room subscriptions make none (the instance fans room
 * events out from its one queue).
 */
class BrokerQueuesIT extends IntegrationTest {

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

    private static List<String> names(List<JsonNode> queues) {
        return queues.stream().map(q -> q.get("name").asString()).toList();
    }

    /** Queues that Talkwire's STOMP traffic made: subscription queues and per-session user queues. */
    private List<JsonNode> talkwireQueues() throws Exception {
        String auth = Base64.getEncoder().encodeToString((rabbitUser + ":" + rabbitPassword).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(TestServices.rabbitManagementUrl() + "/api/queues"))
            .header("Authorization", "Basic " + auth)
            .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return Api.parse(response.body()).valueStream()
            .filter(q -> q.get("name").asString().startsWith("stomp-subscription-") || q.get("name").asString().contains("-user"))
            .toList();
    }
}
