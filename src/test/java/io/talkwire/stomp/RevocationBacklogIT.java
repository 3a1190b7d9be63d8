package io.talkwire.stomp;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.stomp.RawStompClient.Frame;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * In {@code broker} mode a revocation is an UNSUBSCRIBE on the member's relay connection, which RabbitMQ applies only
 * after everything that connection carried before it; until then the room's queue for that member is still bound. A
 * member who keeps RabbitMQ busy there (personal subscriptions opened and closed by the hundred) still hears nothing of
 * the room from the moment they are removed.
 */
class RevocationBacklogIT extends IntegrationTest {

    @Test
    void aRemovedMemberWhoKeepsRabbitMqBusyOnTheirConnectionHearsNothingMoreFromTheRoom() {
        Api api = api();
        User owner = api.newUser("owner");
        User bob = api.newUser("bob");
        long room = api.privateRoomWith(owner, bob);
        String topic = "/topic/rooms." + room;
        try (RawStompClient raw = new RawStompClient(port)) {
            assertThat(raw.connect(bob.token(), "0,0").command()).isEqualTo("CONNECTED");
            raw.send("SUBSCRIBE", Map.of("id", "room", "destination", topic, "receipt", "subscribed"), "");
            raw.next("RECEIPT");
            send(api, owner, room, "before");
            assertThat(raw.next("MESSAGE").body()).contains("before");

            StringBuilder churn = new StringBuilder();
            for (int i = 0; i < 300; i++) {
                churn.append("SUBSCRIBE\nid:churn-").append(i).append("\ndestination:/user/queue/errors\n\n\0")
                    .append("UNSUBSCRIBE\nid:churn-").append(i).append("\n\n\0");
            }
            raw.sendText(churn.toString());
            assertThat(api.delete("/api/rooms/" + room + "/members/" + bob.name(), owner.token()).status()).isEqualTo(204);
            for (int i = 1; i <= 5; i++) {
                send(api, owner, room, "after " + i);
            }

            // answered once RabbitMQ has applied every frame before it, the revocation's UNSUBSCRIBE among them
            raw.send("SUBSCRIBE", Map.of("id", "fence", "destination", "/user/queue/events", "receipt", "fence"), "");
            List<Frame> frames = new ArrayList<>();
            for (Frame frame = raw.next(); !"RECEIPT".equals(frame.command()); frame = raw.next()) {
                frames.add(frame);
            }
            frames.addAll(raw.drainFrames());
            assertThat(frames).as("frames of the room after bob's removal").extracting(Frame::body)
                .noneMatch(body -> body.contains("after "));
            assertThat(frames).extracting(Frame::command).doesNotContain("ERROR");
        }
    }

    private static void send(Api api, User sender, long room, String content) {
        assertThat(api.post("/api/rooms/" + room + "/messages", sender.token(), "{\"content\":\"" + content + "\"}")
            .status()).isEqualTo(201);
    }
}
