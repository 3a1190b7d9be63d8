package io.talkwire;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A REST client of Talkwire, as curl or an app uses it. */
public final class Api {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newHttpClient();

    private final String base;

    public Api(int port) {
        this.base = "http://localhost:" + port;
    }

    /** A username no earlier test run has taken: the local database outlives test runs. */
    public static String uniqueName(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** Signs up a new user and logs in. */
    public User newUser(String prefix) {
        String username = uniqueName(prefix);
        Response signup = post("/api/auth/signup", null, "{\"username\":\"%s\",\"password\":\"secret-pass\"}".formatted(username));
        if (signup.status() != 201) {
            throw new IllegalStateException("signup failed: " + signup);
        }
        return new User(username, login(username, "secret-pass").json().get("accessToken").asString());
    }

    public Response login(String username, String password) {
        return post("/api/auth/login", null, "{\"username\":\"%s\",\"password\":\"%s\"}".formatted(username, password));
    }

    public long createRoom(User owner, String kind) {
        Response room = post("/api/rooms", owner.token(), "{\"name\":\"room of %s\",\"kind\":\"%s\"}".formatted(owner.name(), kind));
        if (room.status() != 201) {
            throw new IllegalStateException("room creation failed: " + room);
        }
        return room.json().get("id").asLong();
    }

    /** The DIRECT room of {@code from} and {@code to}, opened by {@code from} (or found, if it exists). */
    public long directRoom(User from, User to) {
        Response room = post("/api/direct/" + to.name(), from.token(), "");
        if (room.status() != 200 && room.status() != 201) {
            throw new IllegalStateException("opening a direct room failed: " + room);
        }
        return room.json().get("id").asLong();
    }

    /** A PRIVATE room of {@code owner} with {@code member} added. */
    public long privateRoomWith(User owner, User member) {
        long room = createRoom(owner, "PRIVATE");
        Response added = put("/api/rooms/" + room + "/members/" + member.name(), owner.token());
        if (added.status() != 204) {
            throw new IllegalStateException("adding a member failed: " + added);
        }
        return room;
    }

    public Response get(String path, String token) {
        return send(request(path, token).GET());
    }

    public Response post(String path, String token, String body) {
        return send(request(path, token).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public Response put(String path, String token) {
        return send(request(path, token).PUT(HttpRequest.BodyPublishers.noBody()));
    }

    public Response put(String path, String token, String body) {
        return send(request(path, token).header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    public Response patch(String path, String token, String body) {
        return send(request(path, token).header("Content-Type", "application/json")
            .method("PATCH", HttpRequest.BodyPublishers.ofString(body)));
    }

    /** Sends a message over REST; returns its seq. */
    /** The highest seq of the room, as {@code reader} reads it over REST. */
    public long lastSeq(User reader, long room) {
        return get("/api/rooms/" + room, reader.token()).json().get("lastSeq").asLong();
    }

    /** The status of one component of {@code /actuator/health} ({@code UP}, {@code DOWN}, ...). */
    public String health(String component) {
        return get("/actuator/health", null).json().path("components").path(component).path("status").asString();
    }

    public long say(User sender, long room, String content) {
        Response sent = post("/api/rooms/" + room + "/messages", sender.token(), "{\"content\":\"" + content + "\"}");
        if (sent.status() != 201) {
            throw new IllegalStateException("send failed: " + sent);
        }
        return sent.json().get("seq").asLong();
    }

    public Response delete(String path, String token) {
        return send(request(path, token).DELETE());
    }

    private HttpRequest.Builder request(String path, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
        return token == null ? request : request.header("Authorization", "Bearer " + token);
    }

    private Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    response.body());
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    public static JsonNode parse(String json) {
        return JSON.readTree(json);
    }

    public record User(String name, String token) {
    }

    public record Response(int status, String contentType, String body) {

        public JsonNode json() {
            return parse(body);
        }
    }
}
