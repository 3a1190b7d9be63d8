package io.talkwire;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.talkwire.Api.User;
import io.talkwire.StompTestClient.Inbox;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * /actuator/prometheus is open and carries Talkwire's own meters (docs/operations.md), with values that follow what
 * the test does: a session, a room subscription, a committed send and a refused one; REST calls are timed as HTTP
 * requests, WebSocket handshakes are not.
 */
class MetricsIT extends IntegrationTest {

    @Test
    void prometheusShowsSessionsSendsCommitsAndTheRelay() {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        String send = "/app/rooms." + room + ".send";
        try (StompTestClient client = connect(alice)) {
            Inbox errors = client.subscribe("/user/queue/errors");
            Inbox roomEvents = client.subscribe("/topic/rooms." + room);
            StompTestClient.await(client.send(send, "{\"content\":\"counted\",\"clientMessageId\":\"m-1\"}", "sent"));
            assertThat(roomEvents.next("MESSAGE").get("content").asString()).isEqualTo("counted");
            client.send(send, "{\"content\":\"   \"}", "refused");
            assertThat(errors.next().get("code").asString()).isEqualTo("INVALID_CONTENT");

            // the publish is timed once RabbitMQ took it, on the publisher thread: wait for it rather than race it
            await().untilAsserted(() -> {
                String metrics = scrape();
                assertThat(value(metrics, "talkwire_sessions", "")).isGreaterThanOrEqualTo(1);
                assertThat(value(metrics, "talkwire_subscriptions", "")).isGreaterThanOrEqualTo(1);
                assertThat(value(metrics, "talkwire_sends_committed_total", "")).isGreaterThanOrEqualTo(1);
                assertThat(value(metrics, "talkwire_sends_refused_total", "code=\"INVALID_CONTENT\""))
                    .isGreaterThanOrEqualTo(1);
                assertThat(value(metrics, "talkwire_relay_connected", "")).isEqualTo(1);
                assertThat(value(metrics, "talkwire_commit_latency_seconds_count", "")).isGreaterThanOrEqualTo(1);
                assertThat(value(metrics, "talkwire_commit_latency_seconds_bucket", "le=\"+Inf\""))
                    .isGreaterThanOrEqualTo(1);
                assertThat(value(metrics, "talkwire_commit_batch_messages_count", "")).isGreaterThanOrEqualTo(1);
                assertThat(value(metrics, "talkwire_commit_batch_messages_bucket", "le=\"+Inf\""))
                    .isGreaterThanOrEqualTo(1);
                assertThat(value(metrics, "talkwire_delivery_commit_to_publish_seconds_count", ""))
                    .isGreaterThanOrEqualTo(1);
                assertThat(value(metrics, "talkwire_delivery_commit_to_publish_seconds_bucket", "le=\"+Inf\""))
                    .isGreaterThanOrEqualTo(1);
                assertThat(value(metrics, "talkwire_presence_backlog", "")).isGreaterThanOrEqualTo(0);
                assertThat(value(metrics, "talkwire_commit_backlog", "")).isGreaterThanOrEqualTo(0);
                // REST calls are timed, handshakes are not
                assertThat(metrics).containsPattern("http_server_requests_seconds_count\\{[^}]*uri=\"/api/");
                assertThat(metrics).doesNotContainPattern("http_server_requests_seconds_count\\{[^}]*uri=\"/ws");
            });
        }
    }

    @Test
    void theScrapeNeedsNoTokenAndTheRestStaysClosed() {
        Api.Response metrics = api().get("/actuator/prometheus", null);
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.contentType()).startsWith("text/plain");
        assertThat(metrics.body()).contains("talkwire_sends_committed_total", "talkwire_relay_connected");
        // only health and prometheus are exposed
        assertThat(api().get("/actuator/env", null).status()).isEqualTo(404);
        assertThat(api().get("/actuator/metrics", null).status()).isEqualTo(404);
    }

    private String scrape() {
        Api.Response metrics = api().get("/actuator/prometheus", null);
        assertThat(metrics.status()).isEqualTo(200);
        return metrics.body();
    }

    /**
     * The value of the sample {@code name} whose labels contain {@code label} (any sample of that name if empty);
     * fails if there is none or more than one.
     */
    private static double value(String metrics, String name, String label) {
        Pattern sample = Pattern.compile("^" + Pattern.quote(name) + "(\\{([^}]*)\\})? (\\S+)( \\S+)?$",
                Pattern.MULTILINE);
        Matcher matcher = sample.matcher(metrics);
        List<Double> values = new ArrayList<>();
        while (matcher.find()) {
            String labels = matcher.group(2) == null ? "" : matcher.group(2);
            if (labels.contains(label)) {
                values.add(Double.parseDouble(matcher.group(3)));
            }
        }
        assertThat(values).as("one sample " + name + "{" + label + "} in\n" + metrics).hasSize(1);
        return values.getFirst();
    }
}
