package io.talkwire.stomp;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.TalkwireInstance;
import io.talkwire.TalkwireProperties;
import io.talkwire.stomp.RawStompClient.Frame;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Subscriptions opened and closed over and over. In {@code broker} mode each is a queue that RabbitMQ declares and
 * deletes on the session's relay connection, in the order the frames came.
 */
class SubscriptionChurnIT extends IntegrationTest {

    @Autowired
    private TalkwireProperties properties;

    /**
     * A revocation is an UNSUBSCRIBE on the member's relay connection, which RabbitMQ applies only after everything
     * that connection carried before it; until then the room's queue for that member is still bound. A member who keeps
     * RabbitMQ busy there still hears nothing of the room from the moment they are removed. (On an instance whose
     * subscription limit, and so the SUBSCRIBEs a session may send at once, is ten times the default: enough work for
     * RabbitMQ that the messages after the removal are sure to come before the UNSUBSCRIBE is applied.)
     */
    @Test
    void aRemovedMemberWhoKeepsRabbitMqBusyOnTheirConnectionHearsNothingMoreFromTheRoom() {
        Api api = api();
        User owner = api.newUser("owner");
        User bob = api.newUser("bob");
        long room = api.privateRoomWith(owner, bob);
        String topic = "/topic/rooms." + room;
        try (TalkwireInstance generous = TalkwireInstance.start(Map.of("talkwire.limits.subscriptions-per-session",
                10 * burst())); RawStompClient raw = new RawStompClient(generous.port())) {
            assertThat(raw.connect(bob.token(), "0,0").command()).isEqualTo("CONNECTED");
            raw.send("SUBSCRIBE", Map.of("id", "room", "destination", topic, "receipt", "subscribed"), "");
            raw.next("RECEIPT");
            api.say(owner, room, "before");
            while (!raw.next("MESSAGE").body().contains("before")) {
                // bob's own JOIN may come first
            }

            raw.sendText(churn(3 * burst()));
            assertThat(api.delete("/api/rooms/" + room + "/members/" + bob.name(), owner.token()).status()).isEqualTo(204);
            for (int i = 1; i <= 5; i++) {
                api.say(owner, room, "after " + i);
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

    /** A session that sends SUBSCRIBEs faster than the limit is stopped before RabbitMQ sees them. */
    @Test
    void aSessionThatSubscribesAndUnsubscribesOverAndOverIsStopped() {
        User mallory = api().newUser("mallory");
        try (RawStompClient raw = new RawStompClient(port)) {
            assertThat(raw.connect(mallory.token(), "0,0").command()).isEqualTo("CONNECTED");
            raw.sendText(churn(burst() * 3));
            assertThat(raw.next("ERROR").header("message")).startsWith("too many SUBSCRIBE frames");
            raw.awaitClose();
        }
    }

    /** The SUBSCRIBEs a session may send at once: as many as the subscriptions it may hold. */
    private int burst() {
        return properties.limits().subscriptionsPerSession();
    }

    /** {@code pairs} SUBSCRIBEs of a personal queue, each followed by its UNSUBSCRIBE, in one WebSocket message. */
    private static String churn(int pairs) {
        StringBuilder churn = new StringBuilder();
        for (int i = 0; i < pairs; i++) {
            churn.append("SUBSCRIBE\nid:churn-").append(i).append("\ndestination:/user/queue/errors\n\n\0")
                .append("UNSUBSCRIBE\nid:churn-").append(i).append("\n\n\0");
        }
        return churn.toString();
    }
}
