package io.talkwire.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Talkwire as one user sees it: signup/login with JWTs, SEND to /app (committed, then relayed), REST for the
 * broadcast and for what the scenarios set up (rooms, members, read markers, DIRECT rooms) or read back. Made by
 * {@link TalkwireProcesses#newUser}.
 */
final class Talkwire implements Target {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String username;

    private final String base;

    private final String token;

    /** WebSocket endpoints of the instances, taken in turn by {@link #connect}. */
    private final List<String> endpoints;

    private final List<Process> processes;

    private final AtomicInteger next = new AtomicInteger();

    /** Signs a new user up on the instances on {@code ports} (REST always on the first) and logs it in. */
    Talkwire(List<Integer> ports, List<Process> processes) throws Exception {
        this("bench_" + UUID.randomUUID().toString().substring(0, 8), ports, processes, true);
    }

    private Talkwire(String username, List<Integer> ports, List<Process> processes, boolean signUp) throws Exception {
        this.username = username;
        this.base = "http://localhost:" + ports.getFirst();
        this.endpoints = ports.stream().map(p -> "ws://localhost:" + p + "/ws").toList();
        this.processes = List.copyOf(processes);
        if (signUp) {
            http("POST", "/api/auth/signup", null, "{\"username\":\"" + username + "\",\"password\":\"bench-password\"}");
        }
        this.token = http("POST", "/api/auth/login", null, "{\"username\":\"" + username + "\",\"password\":\"bench-password\"}")
            .get("accessToken").asString();
    }

    /** The same user on another instance sharing the database (another build's, say), logged in there. */
    Talkwire loggedInOn(int port, Process process) throws Exception {
        return new Talkwire(username, List.of(port), List.of(process), false);
    }

    String username() {
        return username;
    }

    /** The processes of this target's instances. */
    List<Process> processes() {
        return processes;
    }

    @Override
    public String name() {
        return "Talkwire";
    }

    @Override
    public BenchStomp connect(Consumer<String> onMessage) {
        String endpoint = endpoints.get(Math.floorMod(next.getAndIncrement(), endpoints.size()));
        return BenchStomp.connect(endpoint, Map.of("Authorization", "Bearer " + token), onMessage);
    }

    @Override
    public String newRoom() {
        return newRoom("PUBLIC");
    }

    /** A new room of {@code kind} (PUBLIC or PRIVATE), of which this user is the owner. */
    String newRoom(String kind) {
        try {
            return http("POST", "/api/rooms", token, "{\"name\":\"bench\",\"kind\":\"" + kind + "\"}").get("id").asString();
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** {@code count} new PUBLIC rooms of this user's. */
    List<String> newRooms(int count) {
        List<String> rooms = new ArrayList<>();
        for (int r = 0; r < count; r++) {
            rooms.add(newRoom());
        }
        return rooms;
    }

    /** The DIRECT room of this user and {@code other}, created by the first call of either. */
    String directRoom(String other) throws Exception {
        return http("POST", "/api/direct/" + other, token, "").get("id").asString();
    }

    /** Adds {@code member} to a room of this user's (the owner of a PRIVATE room adds anyone). */
    void addMember(String room, String member) throws Exception {
        request("PUT", "/api/rooms/" + room + "/members/" + member, token, "");
    }

    /** Moves this user's read marker of the room up to {@code seq}. */
    void markRead(String room, long seq) throws Exception {
        request("PUT", "/api/rooms/" + room + "/read", token, "{\"seq\":" + seq + "}");
    }

    /** The body of {@code GET path} as this user, unparsed (a scenario may time the request alone). */
    String get(String path) throws Exception {
        return request("GET", path, token, "");
    }

    @Override
    public String topic(String room) {
        return "/topic/rooms." + room;
    }

    String sendDestination(String room) {
        return "/app/rooms." + room + ".send";
    }

    @Override
    public void publish(BenchStomp client, String room, String body) {
        client.send(sendDestination(room), body);
    }

    @Override
    public void broadcast(String room, String body) {
        try {
            http("POST", "/api/rooms/" + room + "/messages", token, body);
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * When (nanoTime) the room's onlineCount is 0, how many polls until then were answered 503, and how long the
     * slowest of them took (a REST request waiting for the database while the LEAVEs are written).
     */
    Map<String, Long> awaitNobodyOnline(String room) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        long unavailable = 0;
        long slowestPoll = 0;
        while (System.nanoTime() < deadline) {
            long poll = System.nanoTime();
            try {
                if (http("GET", "/api/rooms/" + room, token, "").get("onlineCount").asLong() == 0) {
                    break;
                }
            }
            catch (IllegalStateException busy) {
                if (!busy.getMessage().contains(": 503 ")) {
                    throw busy;
                }
                unavailable++;
            }
            finally {
                slowestPoll = Math.max(slowestPoll, System.nanoTime() - poll);
            }
            Thread.sleep(200);
        }
        return Map.of("emptiedAt", System.nanoTime(), "unavailablePolls", unavailable,
                "slowestPollMs", Math.round(slowestPoll / 1e6));
    }

    private JsonNode http(String method, String path, String bearer, String body) throws Exception {
        return JSON.readTree(request(method, path, bearer, body));
    }

    /** The response body; an IllegalStateException for any status from 300 up. */
    private String request(String method, String path, String bearer, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + ": " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }
}
