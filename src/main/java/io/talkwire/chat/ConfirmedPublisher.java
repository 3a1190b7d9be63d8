package io.talkwire.chat;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ReturnListener;
import org.jspecify.annotations.Nullable;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;

/**
 * Publishes persistent JSON messages and waits for RabbitMQ's confirm: once {@link #publish} returns, the broker has
 * taken responsibility for the message (written it to disk for a durable queue). One channel, used by one thread at
 * a time (callers synchronize on nothing else: {@link #publish} is synchronized).
 *
 * <p>RabbitMQ confirms a message that reached no queue too. A publisher made {@code mandatory} counts that as a
 * failure (the message comes back, and the publish throws); otherwise such a message is gone, as a publish to an
 * exchange nobody listens to is meant to be.
 */
final class ConfirmedPublisher implements AutoCloseable {

    private static final long CONFIRM_TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(5);

    private final ConnectionFactory connectionFactory;

    private final boolean mandatory;

    /** Messages RabbitMQ gave back unroutable, counted on the connection's thread before it confirms them. */
    private final AtomicInteger returned = new AtomicInteger();

    private final ReturnListener countReturned = (code, text, exchange, routingKey, properties, body) -> returned.incrementAndGet();

    private @Nullable Channel channel;

    ConfirmedPublisher(ConnectionFactory connectionFactory, boolean mandatory) {
        this.connectionFactory = connectionFactory;
        this.mandatory = mandatory;
    }

    /** Throws if the broker could not be reached or did not confirm in time; the caller decides what that means. */
    synchronized void publish(String exchange, String routingKey, byte[] json, Map<String, Object> headers)
            throws IOException {
        publishAll(exchange, List.of(new Outgoing(routingKey, json, headers)));
    }

    /**
     * Publishes each, then waits once for RabbitMQ to confirm them all: one round trip for many messages. Throws as
     * {@link #publish} does, and if mandatory when any of them reached no queue; then none of them is known to be
     * taken.
     */
    synchronized void publishAll(String exchange, List<Outgoing> messages) throws IOException {
        try {
            Channel open = channel();
            returned.set(0);
            for (Outgoing message : messages) {
                AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()
                    .contentType("application/json")
                    .deliveryMode(2)
                    .headers(message.headers().isEmpty() ? null : message.headers())
                    .build();
                open.basicPublish(exchange, message.routingKey(), mandatory, properties, message.json());
            }
            open.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MILLIS);
            // a returned message comes before its confirm, on the same connection thread
            int unroutable = returned.get();
            if (unroutable > 0) {
                throw new Unroutable(unroutable + " of " + messages.size() + " message(s) reached no queue (exchange '"
                        + exchange + "', routing key '" + messages.getFirst().routingKey() + "')");
            }
        }
        catch (Unroutable ex) {
            throw ex; // the channel is fine
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

    /** A mandatory message reached no queue: its exchange or queue is missing, or nothing binds it. */
    static final class Unroutable extends IOException {

        Unroutable(String message) {
            super(message);
        }
    }

    /** One persistent JSON message to publish. */
    record Outgoing(String routingKey, byte[] json, Map<String, Object> headers) {
    }

    private Channel channel() throws IOException {
        if (channel == null || !channel.isOpen()) {
            channel = connectionFactory.createConnection().createChannel(false);
            channel.confirmSelect();
            if (mandatory) {
                channel.addReturnListener(countReturned);
            }
        }
        return channel;
    }

    @Override
    public synchronized void close() {
        try {
            if (channel != null && channel.isOpen()) {
                channel.removeReturnListener(countReturned); // the channel may go back to a cache
                channel.close();
            }
        }
        catch (IOException | TimeoutException | RuntimeException ignored) {
            // gone either way
        }
        channel = null;
    }
}
