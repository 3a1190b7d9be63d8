package io.talkwire.stomp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** A client that stops reading neither slows the others down nor holds the server: it is disconnected. */
class SlowClientIT extends IntegrationTest {

    private static final int MESSAGES = 2500;

    private static final int WINDOW = 100;

    @Test
    void aStuckClientIsDisconnectedWhileTheOthersReceiveEverything() {
        Api api = api();
        User alice = api.newUser("alice");
        User stuck = api.newUser("stuck");
        long room = api.createRoom(alice, "PUBLIC");
        String topic = "/topic/rooms." + room;
        try (StompTestClient sender = connect(alice); StompTestClient watcher = connect(api.newUser("watcher"));
                RawStompClient stuckClient = new RawStompClient(port)) {
            Inbox events = watcher.subscribe(topic);
            assertThat(stuckClient.connect(stuck.token(), "0,0").command()).isEqualTo("CONNECTED");
            stuckClient.send("SUBSCRIBE", Map.of("id", "0", "destination", topic, "receipt", "s"), "");
            assertThat(stuckClient.next("RECEIPT").header("receipt-id")).isEqualTo("s");
            stuckClient.stall();

            // the others read at their own pace: never more than a window of 400 kB ahead of the watcher, well
            // within the 1 MiB a session may buffer, while the stuck client's buffer fills up after a few hundred
            String content = "x".repeat(4000);
            List<CompletableFuture<Void>> receipts = new ArrayList<>();
            int sent = 0;
            int received = 0;
            boolean stuckLeft = false;
            while (received < MESSAGES || !stuckLeft) {
                if (received == sent && sent < MESSAGES) { // the watcher has all sent so far: the next window
                    for (int end = Math.min(MESSAGES, sent + WINDOW); sent < end; sent++) {
                        receipts.add(sender.send("/app/rooms." + room + ".send", "{\"content\":\"" + content + "\"}",
                                "m" + sent));
                    }
                }
                JsonNode event = events.next(e -> true, Duration.ofSeconds(60));
                if (event.get("type").asString().equals("MESSAGE")) {
                    received++;
                }
                else if (event.get("type").asString().equals("LEAVE") && event.get("user").asString().equals(stuck.name())) {
                    stuckLeft = true;
                }
            }
            StompTestClient.await(CompletableFuture.allOf(receipts.toArray(CompletableFuture[]::new)));
            assertThat(api.get("/api/rooms/" + room, alice.token()).json().get("onlineCount").asLong()).isEqualTo(1);
        }
    }
}
