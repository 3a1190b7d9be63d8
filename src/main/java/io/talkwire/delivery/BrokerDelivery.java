package io.talkwire.delivery;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessagingException;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.stereotype.Component;

/**
 * {@code talkwire.fanout=broker}, the design's shape: RabbitMQ's STOMP plugin holds every room subscription (the relay
 * carries the client's SUBSCRIBE, so each is a queue of its session bound to {@code amq.topic} with routing key
 * {@code rooms.{id}}), and each room event is published once to {@code amq.topic}, where RabbitMQ fans it out to the
 * subscribers of every instance. A backend service may publish to a room the same way.
 *
 * <p>Events are published by one thread over one AMQP channel: RabbitMQ keeps the order of one channel's messages, and
 * neither a committer nor the presence worker waits for the broker.
 */
@Component
@ConditionalOnProperty(name = "talkwire.fanout", havingValue = "broker", matchIfMissing = true)
class BrokerDelivery implements RoomDelivery {

    private static final Logger log = LoggerFactory.getLogger(BrokerDelivery.class);

    private static final AMQP.BasicProperties JSON = new AMQP.BasicProperties.Builder()
        .contentType("application/json")
        .deliveryMode(1)
        .build();

    private static final byte[] EMPTY = new byte[0];

    private final OneThreadPublisher publisher;

    private final ConnectionFactory connectionFactory;

    private final MessageChannel brokerChannel;

    /** Used by the publisher thread only. */
    private @Nullable Channel channel;

    /** Whether the last publish failed (publisher thread only). */
    private boolean failing;

    BrokerDelivery(ConnectionFactory connectionFactory, @Qualifier("brokerChannel") MessageChannel brokerChannel,
            MeterRegistry meters) {
        this.connectionFactory = connectionFactory;
        this.brokerChannel = brokerChannel;
        this.publisher = new OneThreadPublisher(meters);
    }

    @Override
    public void publish(long roomId, long seq, byte[] json) {
        AMQP.BasicProperties properties = seq == 0 ? JSON
                : JSON.builder().headers(Map.of(RoomRoutes.SEQ_HEADER, seq)).build();
        publisher.publish(roomId, () -> send(roomId, properties, json));
    }

    /**
     * Over the same thread and channel as committed events, so that their order stays as it is; RabbitMQ fans it out
     * to every subscriber, the session named in {@link RoomRoutes#EXCEPT_SESSION_HEADER} included, whose frame the
     * outbound channel then drops.
     */
    @Override
    public void publishExcept(long roomId, byte[] json, String exceptSessionId) {
        AMQP.BasicProperties properties = JSON.builder()
            .headers(Map.of(RoomRoutes.EXCEPT_SESSION_HEADER, exceptSessionId))
            .build();
        publisher.publishIfIdle(() -> send(roomId, properties, json));
    }

    /**
     * A broker outage is logged once, not once per event: the events are committed, and clients recover them over
     * REST. Returns whether it was published.
     */
    private boolean send(long roomId, AMQP.BasicProperties properties, byte[] json) {
        try {
            if (channel == null || !channel.isOpen()) {
                channel = connectionFactory.createConnection().createChannel(false);
            }
            channel.basicPublish(RoomRoutes.AMQ_TOPIC, RoomRoutes.key(roomId), properties, json);
            if (failing) {
                failing = false;
                log.info("Publishing room events to RabbitMQ again");
            }
            return true;
        }
        catch (IOException | RuntimeException ex) {
            if (!failing) {
                failing = true;
                log.warn("Could not publish an event of room {} (broker unavailable?): {}", roomId, ex.getMessage());
            }
            closeChannel();
            return false;
        }
    }

    private void closeChannel() {
        try {
            if (channel != null && channel.isOpen()) {
                channel.close();
            }
        }
        catch (IOException | TimeoutException | RuntimeException ignored) {
            // the channel is gone either way
        }
        channel = null;
    }

    @Override
    public boolean relaysSubscriptions() {
        return true;
    }

    @Override
    public void subscribed(String sessionId, String subscriptionId, long roomId) {
    }

    @Override
    public void unsubscribed(String sessionId, String subscriptionId, long roomId) {
    }

    /**
     * The relay carries an UNSUBSCRIBE on the session's own connection, and RabbitMQ deletes the subscription's queue.
     * If the relay is down the session is ended instead (Spring's relay closes it), which ends the subscription too.
     */
    @Override
    public void revoke(String sessionId, String subscriptionId, long roomId) {
        StompHeaderAccessor unsubscribe = StompHeaderAccessor.create(StompCommand.UNSUBSCRIBE);
        unsubscribe.setSessionId(sessionId);
        unsubscribe.setSubscriptionId(subscriptionId);
        try {
            brokerChannel.send(MessageBuilder.createMessage(EMPTY, unsubscribe.getMessageHeaders()));
        }
        catch (MessagingException ex) {
            log.warn("Could not end subscription {} of session {} at RabbitMQ: {}", subscriptionId, sessionId,
                    ex.getMessage());
        }
    }

    @Override
    public void disconnected(String sessionId, Map<String, Long> subscriptions) {
    }

    /** Publishes what is still waiting, for a few seconds at most. */
    @PreDestroy
    void stop() throws InterruptedException {
        if (publisher.stop()) {
            closeChannel();
        }
    }
}
