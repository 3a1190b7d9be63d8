package io.talkwire.stomp;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Lazy;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.stereotype.Component;
import org.springframework.util.MimeTypeUtils;

import tools.jackson.databind.json.JsonMapper;

/**
 * Room events reach clients through their instance, not through a RabbitMQ subscription per client. An event is
 * serialised once, written to this instance's subscribers of {@code /topic/rooms.{id}} at once, and published once
 * (routing key {@code rooms.{id}}) to the other instances ({@link InstanceLinks}), each of which takes it from its own
 * queue and writes it to its own subscribers. RabbitMQ thus carries one copy per instance instead of one per client, and Talkwire
 * encodes each event once instead of decoding and re-encoding a copy per client. Sessions, personal events and errors
 * still go through the STOMP relay.
 */
@Component
public class RoomFanout {

    private static final Logger log = LoggerFactory.getLogger(RoomFanout.class);

    /** Events waiting for RabbitMQ beyond this many (a hung broker) are dropped, with a warning each. */
    private static final int MAX_BACKLOG = 100_000;

    /** Live subscriptions by room: who gets a room's events here. */
    private final Map<Long, Set<Subscriber>> byRoom = new ConcurrentHashMap<>();

    /**
     * Every room subscription a session made (subscription id to room), revoked ones included until the client
     * unsubscribes: their UNSUBSCRIBE must not reach RabbitMQ, which would close the session over an unknown id.
     */
    private final Map<String, Map<String, Long>> bySession = new ConcurrentHashMap<>();

    private final AtomicLong messageIds = new AtomicLong();

    /** One thread publishes the events to the other instances, in order. */
    private final ThreadPoolExecutor toOtherInstances = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(MAX_BACKLOG), Thread.ofPlatform().daemon().name("talkwire-room-publisher").factory());

    private final MessageChannel clientOutboundChannel;

    private final RabbitTemplate rabbit;

    private final JsonMapper json;

    private final String exchange;

    RoomFanout(@Lazy @Qualifier("clientOutboundChannel") MessageChannel clientOutboundChannel, RabbitTemplate rabbit,
            JsonMapper json, InstanceLinks links) {
        this.clientOutboundChannel = clientOutboundChannel;
        this.rabbit = rabbit;
        this.json = json;
        this.exchange = links.exchange();
    }

    /**
     * Called after the change is committed: delivers the event to this instance's subscribers at once, and leaves its
     * copy for the other instances to one publishing thread, in order, so that neither the caller (a committer with
     * more of the batch to deliver) nor this instance's subscribers wait for RabbitMQ. A broker outage is logged
     * (other instances' clients recover over REST).
     */
    public void publish(long roomId, Object event) {
        byte[] body = json.writeValueAsBytes(event);
        deliver(roomId, body);
        try {
            toOtherInstances.execute(() -> publishToOtherInstances(roomId, body));
        }
        catch (RejectedExecutionException ex) {
            log.warn("Could not publish an event of room {} to other instances (backlog full, or shutting down)", roomId);
        }
    }

    private void publishToOtherInstances(long roomId, byte[] body) {
        MessageProperties properties = new MessageProperties();
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        try {
            rabbit.send(exchange, InstanceLinks.ROUTING_PREFIX + roomId, new Message(body, properties));
        }
        catch (AmqpException ex) {
            log.warn("Could not publish an event of room {} to other instances (broker unavailable?): {}", roomId,
                    ex.getMessage());
        }
    }

    /** Publishes what is still waiting for the other instances, for a few seconds at most. */
    @PreDestroy
    void stop() throws InterruptedException {
        toOtherInstances.shutdown();
        toOtherInstances.awaitTermination(5, TimeUnit.SECONDS);
    }

    /** Another instance's event. */
    @RabbitListener(queues = "#{instanceLinks.queueName()}")
    void onEvent(Message message) {
        String routingKey = message.getMessageProperties().getReceivedRoutingKey();
        try {
            deliver(Long.parseLong(routingKey.substring(InstanceLinks.ROUTING_PREFIX.length())), message.getBody());
        }
        catch (NumberFormatException ex) {
            log.warn("Ignored an event with routing key {}", routingKey);
        }
    }

    void subscribe(String sessionId, String subscriptionId, long roomId) {
        bySession.computeIfAbsent(sessionId, id -> new ConcurrentHashMap<>()).put(subscriptionId, roomId);
        byRoom.compute(roomId, (id, subscribers) -> {
            Set<Subscriber> set = subscribers == null ? ConcurrentHashMap.newKeySet() : subscribers;
            set.add(new Subscriber(sessionId, subscriptionId));
            return set;
        });
    }

    /** @return whether it was a room subscription of that session (active or revoked) */
    boolean unsubscribe(String sessionId, String subscriptionId) {
        Map<String, Long> subscriptions = bySession.get(sessionId);
        Long roomId = subscriptions == null ? null : subscriptions.remove(subscriptionId);
        if (roomId == null) {
            return false;
        }
        stop(sessionId, subscriptionId, roomId);
        return true;
    }

    /** Stops delivering to the subscription; the client's later UNSUBSCRIBE is still recognised. */
    void revoke(String sessionId, String subscriptionId) {
        Map<String, Long> subscriptions = bySession.get(sessionId);
        Long roomId = subscriptions == null ? null : subscriptions.get(subscriptionId);
        if (roomId != null) {
            stop(sessionId, subscriptionId, roomId);
        }
    }

    void disconnected(String sessionId) {
        Map<String, Long> subscriptions = bySession.remove(sessionId);
        if (subscriptions != null) {
            subscriptions.forEach((subscriptionId, roomId) -> stop(sessionId, subscriptionId, roomId));
        }
    }

    private void stop(String sessionId, String subscriptionId, long roomId) {
        byRoom.computeIfPresent(roomId, (id, subscribers) -> {
            subscribers.remove(new Subscriber(sessionId, subscriptionId));
            return subscribers.isEmpty() ? null : subscribers;
        });
    }

    private void deliver(long roomId, byte[] body) {
        Set<Subscriber> subscribers = byRoom.get(roomId);
        if (subscribers == null) {
            return;
        }
        String destination = "/topic/rooms." + roomId;
        for (Subscriber subscriber : subscribers) {
            StompHeaderAccessor frame = StompHeaderAccessor.create(StompCommand.MESSAGE);
            frame.setSessionId(subscriber.sessionId());
            frame.setSubscriptionId(subscriber.subscriptionId());
            frame.setDestination(destination);
            frame.setMessageId(subscriber.sessionId() + "-" + messageIds.incrementAndGet());
            frame.setContentType(MimeTypeUtils.APPLICATION_JSON);
            frame.setLeaveMutable(true);
            clientOutboundChannel.send(MessageBuilder.createMessage(body, frame.getMessageHeaders()));
        }
    }

    private record Subscriber(String sessionId, String subscriptionId) {
    }
}
