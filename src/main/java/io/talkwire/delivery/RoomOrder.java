package io.talkwire.delivery;

import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.talkwire.ShutdownOrder;
import io.talkwire.ShutdownStep;
import io.talkwire.TalkwireProperties;
import jakarta.annotation.PreDestroy;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.simp.broker.OrderedMessageChannelDecorator;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.ChannelInterceptor;
import org.springframework.messaging.support.MessageHeaderAccessor;
import org.springframework.stereotype.Component;

/**
 * Hands each room subscription its frames in commit order, in both fan-out modes: fitted to the outbound channel, it
 * takes every frame of a room subscription and writes the subscription's frames one at a time, its {@code MESSAGE}
 * events in ascending seq ({@link RoomRoutes#SEQ_HEADER}). A room's messages committed on one instance arrive in
 * order; those of two instances may arrive the other way round (each instance publishes its own). A message whose
 * predecessor has not arrived waits for it, {@code talkwire.order-wait} at most (1 s by default), and so do the frames
 * that arrive after it; the wait starts again each time a message comes in order. Past it, the waiting frames are
 * written, and a message that then arrives below them (its publish slower than the wait) is written at once, out of
 * order (counted in {@value #LATE}). A message that never comes (a failed publish, or one published before the
 * subscription's queue was bound) only makes the next one wait.
 *
 * <p>A subscription's sequence starts after the room's last message when it began. Other events (JOIN, an edit) carry
 * no seq: they keep their place after the messages that arrived before them. A subscription that ends drops what
 * waits, and every room frame that comes for it later: in {@code broker} mode a revoked member's queue at RabbitMQ
 * goes only once RabbitMQ has applied the UNSUBSCRIBE, after whatever the session's relay connection carried before
 * it, and what the queue takes meanwhile must not reach that member.
 */
@Component
public class RoomOrder extends ShutdownStep implements ChannelInterceptor {

    static final String LATE = "talkwire.room.messages.late";

    /** Marks a frame that this class passes on (and so lets through). */
    private static final String IN_ORDER_HEADER = "talkwire.inOrder";

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
            Thread.ofPlatform().daemon().name("talkwire-room-order").factory());

    private final long waitNanos;

    private final Counter held;

    private final Counter late;

    RoomOrder(TalkwireProperties properties, MeterRegistry meters) {
        // running at once: the web server, which starts first, may hand over frames before start()
        super(ShutdownOrder.WAITING_FRAMES, true);
        this.waitNanos = properties.orderWait().toNanos();
        this.timer.setRemoveOnCancelPolicy(true); // a wait that ends in time leaves nothing behind
        this.held = Counter.builder("talkwire.room.messages.held")
            .description("room messages that waited for an earlier one on their way to a subscriber")
            .register(meters);
        this.late = Counter.builder(LATE)
            .description("room messages written to a subscriber after later ones, their wait over")
            .register(meters);
    }

    /** A room subscription began, its room at {@code lastSeq}: its frames are put in order from now on. */
    void subscribed(String sessionId, String subscriptionId, long roomId, long lastSeq) {
        sessions.computeIfAbsent(sessionId, id -> new Session())
            .subscriptions.put(subscriptionId, new Sequence(RoomRoutes.TOPIC_PREFIX + roomId, lastSeq + 1));
    }

    /** A room subscription ended: what waits is dropped, and so is every later frame of it. */
    void ended(String sessionId, String subscriptionId) {
        Session session = sessions.get(sessionId);
        Sequence sequence = session == null ? null : session.subscriptions.remove(subscriptionId);
        if (sequence != null) {
            sequence.drop();
        }
    }

    /** The session ended. */
    void disconnected(String sessionId) {
        Session session = sessions.remove(sessionId);
        if (session != null) {
            session.subscriptions.values().forEach(Sequence::drop);
        }
    }

    @Override
    public @Nullable Message<?> preSend(Message<?> message, MessageChannel channel) {
        if (message.getHeaders().containsKey(IN_ORDER_HEADER)) {
            return message;
        }
        StompHeaderAccessor frame = MessageHeaderAccessor.getAccessor(message, StompHeaderAccessor.class);
        if (frame == null || !frame.isMutable() || frame.getCommand() != StompCommand.MESSAGE
                || frame.getSessionId() == null || frame.getSubscriptionId() == null) {
            return message;
        }
        Session session = sessions.get(frame.getSessionId());
        Sequence sequence = session == null ? null : session.subscriptions.get(frame.getSubscriptionId());
        if (sequence == null || !sequence.destination.equals(frame.getDestination())) {
            // a room's frame for no live subscription of the session to that room: its subscription ended (revoked,
            // unsubscribed, or an earlier one with the same id), and RabbitMQ may not have heard of it yet
            String destination = frame.getDestination();
            return destination != null && destination.startsWith(RoomRoutes.TOPIC_PREFIX) ? null : message;
        }
        frame.setHeader(IN_ORDER_HEADER, Boolean.TRUE);
        sequence.arrived(session.out(channel), message, seq(frame));
        return null;
    }

    private static long seq(StompHeaderAccessor frame) {
        String seq = frame.getFirstNativeHeader(RoomRoutes.SEQ_HEADER);
        if (seq == null) {
            return 0;
        }
        try {
            return Math.max(0, Long.parseLong(seq));
        }
        catch (NumberFormatException ex) {
            return 0;
        }
    }

    /**
     * Before the sessions are closed, once the sends are committed: what waits is written, and from now on nothing
     * waits (in broker mode other instances' events still arrive until the relay stops).
     */
    @Override
    protected void shutDown() {
        sessions.values().forEach(session -> session.subscriptions.values().forEach(Sequence::expire));
    }

    @PreDestroy
    void shutdown() {
        timer.shutdownNow();
    }

    /** A session with room subscriptions, and the channel that writes their frames one at a time. */
    private static final class Session {

        private final Map<String, Sequence> subscriptions = new ConcurrentHashMap<>();

        private volatile @Nullable MessageChannel out;

        /** Made on the first frame, from the outbound channel it was sent to. */
        MessageChannel out(MessageChannel outbound) {
            MessageChannel channel = out;
            if (channel == null) {
                synchronized (this) {
                    channel = out;
                    if (channel == null) {
                        channel = new OrderedMessageChannelDecorator(outbound, LogFactory.getLog(RoomOrder.class));
                        out = channel;
                    }
                }
            }
            return channel;
        }
    }

    /** A frame that waits: a message by its seq, another event after the messages that arrived before it. */
    private record Waiting(long seq, boolean message, long arrival, Message<?> frame) implements Comparable<Waiting> {

        @Override
        public int compareTo(Waiting other) {
            int bySeq = Long.compare(seq, other.seq);
            if (bySeq != 0) {
                return bySeq;
            }
            if (message != other.message) {
                return message ? -1 : 1;
            }
            return Long.compare(arrival, other.arrival);
        }
    }

    /** One subscription's place in its room's messages. */
    private final class Sequence {

        /** The room's topic: the frames of an earlier subscription with the same id, to another room, are not its. */
        private final String destination;

        /** The seq expected next. */
        private long next;

        /** Since when the head of what waits has waited for the message before it. */
        private long blockedSince;

        /** The highest seq that arrived. */
        private long highest;

        private long arrivals;

        private @Nullable PriorityQueue<Waiting> waiting;

        private @Nullable MessageChannel out;

        private @Nullable ScheduledFuture<?> timeout;

        private boolean dropped;

        Sequence(String destination, long next) {
            this.destination = destination;
            this.next = next;
        }

        synchronized void arrived(MessageChannel out, Message<?> frame, long seq) {
            if (dropped) {
                return;
            }
            this.out = out;
            boolean message = seq > 0;
            if (message && seq < next) {
                late.increment(); // the messages after it were written when its wait was over
                out.send(frame);
                return;
            }
            if (waiting == null || waiting.isEmpty()) {
                if (!message) {
                    out.send(frame);
                    return;
                }
                if (seq == next || !isRunning()) {
                    next = seq + 1;
                    highest = Math.max(highest, seq);
                    out.send(frame);
                    return;
                }
            }
            if (message) {
                highest = Math.max(highest, seq);
                if (seq > next) {
                    held.increment();
                }
            }
            if (waiting == null) {
                waiting = new PriorityQueue<>();
            }
            if (waiting.isEmpty()) {
                blockedSince = System.nanoTime();
            }
            waiting.add(new Waiting(message ? seq : highest, message, arrivals++, frame));
            release();
            if (!waiting.isEmpty() && timeout == null) {
                expireIn(waitNanos);
            }
        }

        /** The timer gone (the instance stopping): at once. */
        private void expireIn(long nanos) {
            try {
                timeout = timer.schedule(this::expire, nanos, TimeUnit.NANOSECONDS);
            }
            catch (RejectedExecutionException stopped) {
                next = Math.max(next, highest + 1);
                release();
            }
        }

        /** Writes what waits from the head for as long as nothing before it is missing. */
        private void release() {
            while (waiting != null && !waiting.isEmpty()) {
                Waiting head = waiting.peek();
                boolean due = head.message() ? head.seq() <= next : head.seq() < next;
                if (!due) {
                    return;
                }
                waiting.poll();
                if (head.message() && head.seq() >= next) {
                    next = head.seq() + 1;
                    blockedSince = System.nanoTime(); // what waits now waits for another message
                }
                out.send(head.frame());
            }
            if (timeout != null) {
                timeout.cancel(false);
                timeout = null;
            }
        }

        /**
         * Called by the timer: once the head has waited its time for the message before it, the wait is over (and
         * then, or on the instance's shutdown, what waits is written in order, and the sequence goes on after it).
         */
        synchronized void expire() {
            timeout = null;
            if (waiting == null || waiting.isEmpty() || dropped) {
                return;
            }
            long waited = System.nanoTime() - blockedSince;
            if (isRunning() && waited < waitNanos) {
                expireIn(waitNanos - waited);
                return;
            }
            next = Math.max(next, highest + 1);
            release();
        }

        synchronized void drop() {
            dropped = true;
            waiting = null;
            if (timeout != null) {
                timeout.cancel(false);
                timeout = null;
            }
        }
    }
}
