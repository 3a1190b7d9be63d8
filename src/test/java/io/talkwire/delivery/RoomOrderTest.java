package io.talkwire.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.LongStream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.talkwire.TalkwireProperties;
import io.talkwire.TalkwireProperties.Fanout;
import io.talkwire.TalkwireProperties.Limits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.messaging.simp.broker.OrderedMessageChannelDecorator;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.ExecutorSubscribableChannel;
import org.springframework.messaging.support.MessageBuilder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Room frames as the relay or instance fan-out hands them to an outbound channel fitted with {@link RoomOrder}: what
 * the channel's subscriber (the WebSocket writer) gets, in which order.
 */
class RoomOrderTest {

    private static final Duration WAIT = Duration.ofMillis(400);

    private static final long ROOM = 1;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private final RoomOrder order = new RoomOrder(new TalkwireProperties(List.of(),
            new Limits(10, 20, 20, 100, 5, 30, 20), Fanout.BROKER, WAIT), meters);

    /** Synchronous: a frame is written before send returns. */
    private final ExecutorSubscribableChannel outbound = new ExecutorSubscribableChannel();

    /** What was written: each frame's subscription, then its body. */
    private final List<String> written = new CopyOnWriteArrayList<>();

    @BeforeEach
    void fit() {
        outbound.addInterceptor(order);
        OrderedMessageChannelDecorator.configureInterceptor(outbound, true);
        outbound.subscribe(message -> written.add(StompHeaderAccessor.wrap(message).getSubscriptionId() + " "
                + new String((byte[]) message.getPayload(), StandardCharsets.UTF_8)));
        order.start();
    }

    @AfterEach
    void stop() {
        order.stop();
        order.shutdown();
    }

    @Test
    void messagesInOrderAreWrittenAtOnce() {
        order.subscribed("s1", "sub", ROOM, 4);
        send("s1", "sub", 5, "m5");
        send("s1", "sub", 0, "join");
        send("s1", "sub", 6, "m6");

        assertThat(written).containsExactly("sub m5", "sub join", "sub m6");
    }

    @Test
    void aMessageWaitsForTheOneBeforeItAndSoDoesWhatArrivesAfterIt() {
        order.subscribed("s1", "sub", ROOM, 0);
        send("s1", "sub", 2, "m2");
        send("s1", "sub", 0, "join after m2");
        send("s1", "sub", 4, "m4");
        send("s1", "sub", 0, "edit after m4");
        assertThat(written).isEmpty();

        send("s1", "sub", 1, "m1");
        assertThat(written).containsExactly("sub m1", "sub m2", "sub join after m2");

        send("s1", "sub", 3, "m3");
        assertThat(written).containsExactly("sub m1", "sub m2", "sub join after m2", "sub m3", "sub m4",
                "sub edit after m4");
        assertThat(meters.counter("talkwire.room.messages.held").count()).isEqualTo(2);
        assertThat(meters.counter(RoomOrder.LATE).count()).isZero();
    }

    @Test
    void eachSubscriptionHasItsOwnSequence() {
        order.subscribed("s1", "a", ROOM, 10);
        order.subscribed("s1", "b", ROOM, 0);
        order.subscribed("s2", "a", ROOM, 0);
        send("s1", "a", 12, "a12");
        send("s1", "b", 1, "b1");
        send("s2", "a", 1, "other session");

        assertThat(written).containsExactly("b b1", "a other session");
    }

    @Test
    void pastItsWaitWhatWaitsIsWrittenAndAMessageArrivingLaterIsWrittenLate() {
        order.subscribed("s1", "sub", ROOM, 0);
        send("s1", "sub", 2, "m2");
        send("s1", "sub", 3, "m3");

        await().atLeast(WAIT.minusMillis(50)).atMost(WAIT.multipliedBy(10))
            .untilAsserted(() -> assertThat(written).containsExactly("sub m2", "sub m3"));
        send("s1", "sub", 1, "m1");
        send("s1", "sub", 4, "m4");

        assertThat(written).containsExactly("sub m2", "sub m3", "sub m1", "sub m4");
        assertThat(meters.counter(RoomOrder.LATE).count()).isEqualTo(1);
    }

    @Test
    void theWaitCountsFromTheLastMessageThatCameInOrder() throws InterruptedException {
        order.subscribed("s1", "sub", ROOM, 0);
        send("s1", "sub", 2, "m2");
        Thread.sleep(WAIT.toMillis() * 3 / 4);
        send("s1", "sub", 4, "m4");
        send("s1", "sub", 1, "m1");
        Thread.sleep(WAIT.toMillis() / 2); // 1.25 waits after m2 began to wait, half a wait after m4 did
        send("s1", "sub", 3, "m3");

        assertThat(written).containsExactly("sub m1", "sub m2", "sub m3", "sub m4");
    }

    @Test
    void anEndedSubscriptionDropsWhatWaitsAndEveryLaterFrameOfIt() throws InterruptedException {
        order.subscribed("s1", "sub", ROOM, 0);
        order.subscribed("s1", "other", ROOM, 0);
        send("s1", "sub", 2, "waits");
        send("s1", "other", 2, "waits too");
        order.ended("s1", "sub");
        order.disconnected("s1");
        Thread.sleep(WAIT.toMillis() * 2);
        assertThat(written).isEmpty();

        send("s1", "sub", 5, "after the end");
        send("s1", "sub", 0, "an event after the end");
        assertThat(written).isEmpty();
    }

    @Test
    void framesOfAnEarlierSubscriptionWithTheSameIdToAnotherRoomAreDropped() {
        order.subscribed("s1", "sub", ROOM, 0);
        send(outbound, "s1", "sub", 2, 90, "m90 of room 2, still on its way");
        send("s1", "sub", 1, "m1");

        assertThat(written).containsExactly("sub m1");
        assertThat(meters.counter(RoomOrder.LATE).count()).isZero();
    }

    @Test
    void framesOfSubscriptionsThatAreNoRoomsPassAsTheyAre() {
        StompHeaderAccessor frame = StompHeaderAccessor.create(StompCommand.MESSAGE);
        frame.setSessionId("s1");
        frame.setSubscriptionId("events");
        frame.setDestination("/user/queue/events");
        frame.setLeaveMutable(true);
        outbound.send(MessageBuilder.createMessage("personal".getBytes(StandardCharsets.UTF_8), frame.getMessageHeaders()));

        assertThat(written).containsExactly("events personal");
    }

    /**
     * As the outbound channel writes: each frame on a thread of its own. The frames of one subscription still reach
     * the writer one at a time, in order, and two sessions' frames do not wait for each other.
     */
    @Test
    void onAChannelThatWritesEachFrameOnAThreadOfItsOwnTheOrderHolds() {
        SimpleAsyncTaskExecutor threads = new SimpleAsyncTaskExecutor("outbound-");
        threads.setVirtualThreads(true);
        ExecutorSubscribableChannel async = new ExecutorSubscribableChannel(threads);
        async.addInterceptor(order);
        OrderedMessageChannelDecorator.configureInterceptor(async, true);
        Map<String, List<Long>> bySession = new ConcurrentHashMap<>();
        async.subscribe(message -> {
            StompHeaderAccessor frame = StompHeaderAccessor.wrap(message);
            LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(20_000)); // writes take their time
            bySession.computeIfAbsent(frame.getSessionId(), id -> new CopyOnWriteArrayList<>())
                .add(Long.parseLong(frame.getFirstNativeHeader(RoomRoutes.SEQ_HEADER)));
        });
        order.subscribed("s1", "sub", ROOM, 0);
        order.subscribed("s2", "sub", ROOM, 0);
        int messages = 2_000;
        for (long seq = 1; seq <= messages; seq += 2) {
            for (String session : List.of("s1", "s2")) {
                send(async, session, "sub", ROOM, seq + 1, "later"); // each pair the other way round
                send(async, session, "sub", ROOM, seq, "earlier");
            }
        }

        List<Long> all = LongStream.rangeClosed(1, messages).boxed().toList();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(bySession.get("s1")).containsExactlyElementsOf(all);
            assertThat(bySession.get("s2")).containsExactlyElementsOf(all);
        });
    }

    @Test
    void onShutdownWhatWaitsIsWrittenAndNothingWaitsAnyMore() {
        order.subscribed("s1", "sub", ROOM, 0);
        send("s1", "sub", 3, "m3");
        send("s1", "sub", 2, "m2");
        order.stop();
        send("s1", "sub", 5, "m5");

        assertThat(written).containsExactly("sub m2", "sub m3", "sub m5");
    }

    private void send(String sessionId, String subscriptionId, long seq, String body) {
        send(outbound, sessionId, subscriptionId, ROOM, seq, body);
    }

    private static void send(ExecutorSubscribableChannel outbound, String sessionId, String subscriptionId, long room,
            long seq, String body) {
        StompHeaderAccessor frame = StompHeaderAccessor.create(StompCommand.MESSAGE);
        frame.setSessionId(sessionId);
        frame.setSubscriptionId(subscriptionId);
        frame.setDestination("/topic/rooms." + room);
        if (seq > 0) {
            frame.setNativeHeader(RoomRoutes.SEQ_HEADER, Long.toString(seq));
        }
        frame.setLeaveMutable(true);
        outbound.send(MessageBuilder.createMessage(body.getBytes(StandardCharsets.UTF_8), frame.getMessageHeaders()));
    }
}
