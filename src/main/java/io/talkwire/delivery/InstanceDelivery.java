package io.talkwire.delivery;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.stereotype.Component;
import org.springframework.util.MimeTypeUtils;

/**
 * {@code talkwire.fanout=instance}, for very large rooms: each instance holds its sessions' room subscriptions and
 * writes a room's events to them itself, and one copy of each event travels through RabbitMQ to each other instance
 * ({@link InstanceLinks}), which writes it to its own subscribers. RabbitMQ thus carries one copy per instance instead
 * of one per subscriber, and each event is encoded once per instance instead of decoded and re-encoded per subscriber.
 *
 * <p>The frames go to the outbound channel, where {@link RoomOrder} writes each subscription's frames one at a time,
 * its messages in seq order (this instance's and other instances' events of a room arrive on different threads).
 */
@Component
@ConditionalOnProperty(name = "talkwire.fanout", havingValue = "instance")
class InstanceDelivery implements RoomDelivery {

    private static final Logger log = LoggerFactory.getLogger(InstanceDelivery.class);

    /** Live subscriptions by room: who gets a room's events here. */
    private final Map<Long, Set<Subscriber>> byRoom = new ConcurrentHashMap<>();

    /** This instance's sessions with a room subscription, each with the channel that writes its frames in order. */
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    private final OneThreadPublisher toOtherInstances;

    private final MessageChannel clientOutboundChannel;

    private final RabbitTemplate rabbit;

    private final String exchange;

    InstanceDelivery(@Qualifier("clientOutboundChannel") MessageChannel clientOutboundChannel, RabbitTemplate rabbit,
            InstanceLinks links, MeterRegistry meters) {
        this.clientOutboundChannel = clientOutboundChannel;
        this.rabbit = rabbit;
        this.exchange = links.exchange();
        this.toOtherInstances = new OneThreadPublisher(meters);
    }

    /**
     * Writes the event to this instance's subscribers at once, and leaves its copy for the other instances to one
     * publishing thread, so that neither the caller nor this instance's subscribers wait for RabbitMQ. A broker outage
     * is logged (other instances' clients recover over REST).
     */
    @Override
    public void publish(long roomId, long seq, byte[] json) {
        deliver(roomId, seq, json, null);
        toOtherInstances.publish(roomId, () -> publishToOtherInstances(roomId, seq, json));
    }

    /**
     * The excepted session is one of this instance's (the event came from it), so only this instance leaves it out;
     * the others deliver the copy they get to all their subscribers.
     */
    @Override
    public void publishExcept(long roomId, byte[] json, String exceptSessionId) {
        deliver(roomId, 0, json, exceptSessionId);
        toOtherInstances.publishIfIdle(() -> publishToOtherInstances(roomId, 0, json));
    }

    /** Returns whether it was published (the other instances' copy is what {@link OneThreadPublisher} times here). */
    private boolean publishToOtherInstances(long roomId, long seq, byte[] json) {
        MessageProperties properties = new MessageProperties();
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        if (seq != 0) {
            properties.setHeader(RoomRoutes.SEQ_HEADER, seq);
        }
        try {
            rabbit.send(exchange, RoomRoutes.key(roomId), new Message(json, properties));
            return true;
        }
        catch (AmqpException ex) {
            log.warn("Could not publish an event of room {} to other instances (broker unavailable?): {}", roomId,
                    ex.getMessage());
            return false;
        }
    }

    /** Publishes what is still waiting for the other instances, for a few seconds at most. */
    @PreDestroy
    void stop() throws InterruptedException {
        toOtherInstances.stop();
    }

    /** Another instance's event, taken from this instance's queue in the order it was published. */
    @RabbitListener(queues = "#{instanceLinks.queueName()}")
    void onEvent(Message message) {
        String routingKey = message.getMessageProperties().getReceivedRoutingKey();
        long seq = message.getMessageProperties().getHeader(RoomRoutes.SEQ_HEADER) instanceof Number number
                ? number.longValue() : 0;
        try {
            deliver(Long.parseLong(routingKey.substring(RoomRoutes.KEY_PREFIX.length())), seq, message.getBody(), null);
        }
        catch (NumberFormatException ex) {
            log.warn("Ignored an event with routing key {}", routingKey);
        }
    }

    @Override
    public boolean relaysSubscriptions() {
        return false;
    }

    @Override
    public void subscribed(String sessionId, String subscriptionId, long roomId) {
        Session session = sessions.computeIfAbsent(sessionId, Session::new);
        Subscriber subscriber = new Subscriber(session, subscriptionId);
        // one atomic step: a set emptied (and dropped) by a leaving subscriber at the same moment is never added to
        byRoom.compute(roomId, (id, subscribers) -> {
            Set<Subscriber> set = subscribers == null ? ConcurrentHashMap.newKeySet() : subscribers;
            set.add(subscriber);
            return set;
        });
    }

    @Override
    public void unsubscribed(String sessionId, String subscriptionId, long roomId) {
        revoke(sessionId, subscriptionId, roomId);
    }

    @Override
    public void revoke(String sessionId, String subscriptionId, long roomId) {
        Session session = sessions.get(sessionId);
        if (session != null) {
            stop(roomId, new Subscriber(session, subscriptionId));
        }
    }

    @Override
    public void disconnected(String sessionId, Map<String, Long> subscriptions) {
        Session session = sessions.remove(sessionId);
        if (session != null) {
            subscriptions.forEach((subscriptionId, roomId) -> stop(roomId, new Subscriber(session, subscriptionId)));
        }
    }

    private void stop(long roomId, Subscriber subscriber) {
        byRoom.computeIfPresent(roomId, (id, subscribers) -> {
            subscribers.remove(subscriber);
            return subscribers.isEmpty() ? null : subscribers;
        });
    }

    private void deliver(long roomId, long seq, byte[] json, @Nullable String exceptSessionId) {
        Set<Subscriber> subscribers = byRoom.get(roomId);
        if (subscribers == null) {
            return;
        }
        String destination = RoomRoutes.TOPIC_PREFIX + roomId;
        for (Subscriber subscriber : subscribers) {
            Session session = subscriber.session();
            if (session.id.equals(exceptSessionId)) {
                continue;
            }
            StompHeaderAccessor frame = StompHeaderAccessor.create(StompCommand.MESSAGE);
            frame.setSessionId(session.id);
            frame.setSubscriptionId(subscriber.subscriptionId());
            frame.setDestination(destination);
            // counted per session: says nothing about other sessions or rooms
            frame.setMessageId(Long.toString(session.messageIds.incrementAndGet()));
            frame.setContentType(MimeTypeUtils.APPLICATION_JSON);
            if (seq != 0) {
                frame.setNativeHeader(RoomRoutes.SEQ_HEADER, Long.toString(seq));
            }
            frame.setLeaveMutable(true);
            clientOutboundChannel.send(MessageBuilder.createMessage(json, frame.getMessageHeaders()));
        }
    }

    /** A session with room subscriptions here, and the ids of its room frames. */
    private static final class Session {

        private final String id;

        private final AtomicLong messageIds = new AtomicLong();

        Session(String id) {
            this.id = id;
        }
    }

    /** One subscription of a session: equal by session and subscription id. */
    private record Subscriber(Session session, String subscriptionId) {

        @Override
        public boolean equals(Object other) {
            return other instanceof Subscriber that && session.id.equals(that.session.id)
                    && subscriptionId.equals(that.subscriptionId);
        }

        @Override
        public int hashCode() {
            return 31 * session.id.hashCode() + subscriptionId.hashCode();
        }
    }
}
