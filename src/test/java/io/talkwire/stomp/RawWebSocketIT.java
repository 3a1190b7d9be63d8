package io.talkwire.stomp;

import java.util.Map;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.stomp.RawStompClient.Frame;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A client that writes STOMP frames by hand, as a Flutter app does, gets exactly what docs/protocol.md says. */
@ExtendWith(OutputCaptureExtension.class)
class RawWebSocketIT extends IntegrationTest {

    @Test
    void handWrittenFramesConnectSubscribeSendAndReceive() {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        try (RawStompClient client = new RawStompClient(port)) {
            assertThat(client.subprotocol()).isEqualTo("v12.stomp");
            Frame connected = client.connect(alice.token(), "0,0");
            assertThat(connected.command()).isEqualTo("CONNECTED");
            assertThat(connected.header("version")).isEqualTo("1.2");

            client.send("SUBSCRIBE", Map.of("id", "0", "destination", "/topic/rooms." + room, "receipt", "sub-0"), "");
            assertThat(client.next("RECEIPT").header("receipt-id")).isEqualTo("sub-0");

            client.send("SEND", Map.of("destination", "/app/rooms." + room + ".send", "content-type", "application/json",
                    "receipt", "msg:1"), "{\"content\":\"héllo from a phone ✓\",\"clientMessageId\":\"dart-1\"}");
            assertThat(client.next("RECEIPT").header("receipt-id")).isEqualTo("msg:1");

            Frame message = client.next("MESSAGE");
            if (message.body().contains("\"JOIN\"")) {
                message = client.next("MESSAGE"); // in broker mode a subscriber's own JOIN may reach it
            }
            assertThat(message.header("destination")).isEqualTo("/topic/rooms." + room);
            assertThat(message.header("subscription")).isEqualTo("0");
            assertThat(message.header("content-type")).startsWith("application/json");
            JsonNode event = Api.parse(message.body());
            assertThat(event.get("type").asString()).isEqualTo("MESSAGE");
            assertThat(event.get("content").asString()).isEqualTo("héllo from a phone ✓");
            assertThat(event.get("clientMessageId").asString()).isEqualTo("dart-1");
            assertThat(event.get("seq").asLong()).isEqualTo(1);

            client.send("DISCONNECT", Map.of("receipt", "bye"), "");
            assertThat(client.next("RECEIPT").header("receipt-id")).isEqualTo("bye");
        }
    }

    /**
     * A DISCONNECT needs no RECEIPT, and the client may keep its socket open after it: the session has ended all the
     * same. Its frames must not pass, or a stolen token's session would outlive its sign-out and its expiry (both end
     * only live sessions) and the per-user session cap (whose slot it gave back).
     */
    @Test
    void aSessionThatSentDisconnectCanSendNothingMore() {
        Api api = api();
        User mallory = api.newUser("mallory");
        long room = api.createRoom(mallory, "PUBLIC");
        try (RawStompClient client = new RawStompClient(port)) {
            assertThat(client.connect(mallory.token(), "0,0").command()).isEqualTo("CONNECTED");
            client.send("DISCONNECT", Map.of(), "");

            client.send("SEND", Map.of("destination", "/app/rooms." + room + ".send", "content-type", "application/json",
                    "receipt", "after-disconnect"), "{\"content\":\"still here\"}");
            Frame error = client.next("ERROR");
            assertThat(error.header("message")).isEqualTo(SessionEnds.ENDED);
            client.awaitClose();
            assertThat(client.drainFrames()).extracting(Frame::command).doesNotContain("RECEIPT");
        }
        assertThat(api.get("/api/rooms/" + room, mallory.token()).json().get("lastSeq").asLong()).isZero();
    }

    @Test
    void theSockJsFallbackIsServed() {
        Api.Response info = api().get("/ws-sockjs/info", null);
        assertThat(info.status()).isEqualTo(200);
        assertThat(info.json().get("websocket").asBoolean()).isTrue();
    }

    /**
     * Authentication is the CONNECT frame's: a handshake carrying a bearer header that is no valid token (some client
     * libraries add the last one they had to every request) is not refused for it, over WebSocket or SockJS.
     */
    @Test
    void aBearerHeaderOnTheHandshakeIsIgnored() {
        User user = api().newUser("handshake");
        try (RawStompClient client = new RawStompClient(port, Map.of("Authorization", "Bearer not-a-token"))) {
            assertThat(client.connect(user.token(), "0,0").command()).isEqualTo("CONNECTED");
        }
        assertThat(api().get("/ws-sockjs/info", "not-a-token").status()).isEqualTo(200);
    }

    @Test
    void heartBeatsAreHonoured() {
        User user = api().newUser("beat");
        try (RawStompClient client = new RawStompClient(port)) {
            Frame connected = client.connect(user.token(), "1000,1000");
            assertThat(connected.command()).isEqualTo("CONNECTED");
            assertThat(connected.header("heart-beat")).isNotEqualTo("0,0");
            await().atMost(java.time.Duration.ofSeconds(10)).until(() -> client.heartBeats.get() >= 2);
            for (int i = 0; i < 3; i++) {
                client.sendText("\n");
            }
            assertThat(client.closed).isNotDone();
        }
    }

    @Test
    void framesBeforeConnectAndBadTokensGetAnErrorFrameThenTheConnectionCloses() {
        try (RawStompClient client = new RawStompClient(port)) {
            client.send("SUBSCRIBE", Map.of("id", "0", "destination", "/topic/rooms.1"), "");
            Frame error = client.next("ERROR");
            assertThat(error.header("message")).isNotBlank();
            client.awaitClose();
        }
        try (RawStompClient client = new RawStompClient(port)) {
            Frame error = client.connect("not-a-token", "0,0");
            assertThat(error.command()).isEqualTo("ERROR");
            assertThat(error.header("message")).contains("malformed");
            assertThat(error.body()).doesNotContain("Exception").doesNotContain("at org.");
            client.awaitClose();
        }
    }

    /** Unauthenticated garbage costs the log one line per connection, no stack trace. */
    @Test
    void aMalformedFrameBeforeConnectGetsAnErrorFrameAndNoStackTraceInTheLog(CapturedOutput output) {
        int before = output.getAll().length();
        for (String garbage : List.of("CONNECT\nno-colon-here\n\n\0", "NOT A COMMAND\n\n\0", "SEND\ncontent-length:x\n\n\0")) {
            try (RawStompClient client = new RawStompClient(port)) {
                client.sendText(garbage);
                assertThat(client.next("ERROR").header("message")).isNotBlank();
                client.awaitClose();
            }
        }
        assertThat(output.getAll().substring(before)).doesNotContain("\tat org.springframework", "Exception:");
    }
}
