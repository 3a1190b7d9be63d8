package io.talkwire.delivery;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.talkwire.room.RoomEvent;
import org.junit.jupiter.api.Test;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.event.EventListener;

import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/** A committed event goes to the subscribers before any other listener of it gets it. */
class BroadcasterTest {

    private static final List<String> calls = new CopyOnWriteArrayList<>();

    @Test
    void theDeliveryComesBeforeTheOtherListenersOfARoomEvent() {
        calls.clear();
        try (var context = new AnnotationConfigApplicationContext()) {
            context.registerBean(OtherListener.class); // registered first, as a component scan finds chat.Notifications
            context.registerBean(RoomDelivery.class, RecordingDelivery::new);
            context.registerBean(JsonMapper.class, () -> JsonMapper.builder().build());
            context.registerBean(Broadcaster.class);
            context.refresh();

            context.publishEvent(new RoomEvent(7, 1, Map.of("type", "MESSAGE")));
        }
        assertThat(calls).containsExactly("delivered to room 7", "other listener");
    }

    static class OtherListener {

        @EventListener
        void on(RoomEvent event) {
            calls.add("other listener");
        }
    }

    static class RecordingDelivery implements RoomDelivery {

        @Override
        public void publish(long roomId, long seq, byte[] json) {
            calls.add("delivered to room " + roomId);
        }

        @Override
        public void publishExcept(long roomId, byte[] json, String exceptSessionId) {
        }

        @Override
        public boolean relaysSubscriptions() {
            return false;
        }

        @Override
        public void subscribed(String sessionId, String subscriptionId, long roomId) {
        }

        @Override
        public void unsubscribed(String sessionId, String subscriptionId, long roomId) {
        }

        @Override
        public void revoke(String sessionId, String subscriptionId, long roomId) {
        }

        @Override
        public void disconnected(String sessionId, Map<String, Long> subscriptions) {
        }
    }
}
