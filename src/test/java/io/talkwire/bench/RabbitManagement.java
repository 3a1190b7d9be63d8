package io.talkwire.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * RabbitMQ's management API (localhost:15672, as guest): how many connections it holds and how much memory it uses.
 * Every session is a RabbitMQ connection, the relay's for Talkwire or Web-STOMP's for the baseline.
 */
final class RabbitManagement {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private RabbitManagement() {
    }

    static long connections() throws Exception {
        return api("/api/overview").path("object_totals").path("connections").asLong();
    }

    /** Memory used by the (first) node, in MB. */
    static long memoryMb() throws Exception {
        return api("/api/nodes").get(0).path("mem_used").asLong() / (1024 * 1024);
    }

    /**
     * Until RabbitMQ counts no more than {@code before} connections, for at most a minute: thousands of connections
     * closing keep it busy, which would fall on whatever is measured next.
     */
    static void awaitConnectionsAtMost(long before) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (connections() > before && System.nanoTime() < deadline) {
            Thread.sleep(500);
        }
    }

    private static JsonNode api(String path) throws Exception {
        String auth = Base64.getEncoder().encodeToString("guest:guest".getBytes());
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:15672" + path))
            .header("Authorization", "Basic " + auth).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }
}
