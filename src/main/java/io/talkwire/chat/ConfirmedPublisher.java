package io.talkwire.chat;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import org.jspecify.annotations.Nullable;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;

/**
 * Publishes persistent JSON messages and waits for RabbitMQ's confirm: once {@link #publish} returns, the broker has
 * taken responsibility for the message (written it to disk for a durable queue). One channel, used by one thread at
 * a time (callers synchronize on nothing else: {@link #publish} is synchronized).
 */
final class ConfirmedPublisher implements AutoCloseable {

    private static final long CONFIRM_TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(5);

    private final ConnectionFactory connectionFactory;

    private @Nullable Channel channel;

    ConfirmedPublisher(ConnectionFactory connectionFactory) {
        this.connectionFactory = connectionFactory;
    }

    /** Throws if the broker could not be reached or did not confirm in time; the caller decides what that means. */
    synchronized void publish(String exchange, String routingKey, byte[] json, Map<String, Object> headers)
            throws IOException {
        publishAll(exchange, List.of(new Outgoing(routingKey, json, headers)));
    }

    /**
     * Publishes each, then waits once for RabbitMQ to confirm them all: one round trip for many messages. Throws as
     * {@link #publish} does; then none of them is known to be taken.
     */
    synchronized void publishAll(String exchange, List<Outgoing> messages) throws IOException {
        try {
            Channel open = channel();
            for (Outgoing message : messages) {
                AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()
                    .contentType("application/json")
                    .deliveryMode(2)
                    .headers(message.headers().isEmpty() ? null : message.headers())
                    .build();
                open.basicPublish(exchange, message.routingKey(), properties, message.json());
            }
            open.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MILLIS);
        }
        catch (IOException | TimeoutException | RuntimeException ex) {
            close();
            throw ex instanceof IOException io ? io : new IOException(ex.getMessage(), ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted while waiting for RabbitMQ's confirm", ex);
        }
    }

    /** One persistent JSON message to publish. */
    record Outgoing(String routingKey, byte[] json, Map<String, Object> headers) {
    }

    private Channel channel() throws IOException {
        if (channel == null || !channel.isOpen()) {
            channel = connectionFactory.createConnection().createChannel(false);
            channel.confirmSelect();
        }
        return channel;
    }

    @Override
    public synchronized void close() {
        try {
            if (channel != null && channel.isOpen()) {
                channel.close();
            }
        }
        catch (IOException | TimeoutException | RuntimeException ignored) {
            // gone either way
        }
        channel = null;
    }
}
