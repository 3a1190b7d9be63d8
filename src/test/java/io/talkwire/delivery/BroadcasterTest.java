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
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;

/** A committed event goes to the subscribers before any other listener of it gets it. */
class BroadcasterTest {

    private static final List<String> calls = new CopyOnWriteArrayList<>();

    @Test
    void theDeliveryComesBeforeTheOtherListenersOfARoomEvent() {
        calls.clear();
        try (var context = new AnnotationConfigApplicationContext()) {
            context.registerBean(OtherListener.class); // registered first, as a component scan finds chat.Notifications
            RoomDelivery delivery = mock(RoomDelivery.class);
            doAnswer(call -> calls.add("delivered to room " + call.getArgument(0))).when(delivery)
                .publish(anyLong(), anyLong(), any());
            context.registerBean(RoomDelivery.class, () -> delivery);
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
}
