package io.talkwire.chat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;

/**
 * Publishes persistent JSON messages to one exchange with publisher confirms, without waiting for them: a confirm
 * (RabbitMQ has written the message to disk for a durable queue) may take a disk flush, hundreds of milliseconds when
 * the disk stalls, and the messages published after it would wait behind it. The messages not yet confirmed are kept;
 * those RabbitMQ refuses (a nack), those of a channel that closes, and those unconfirmed after
 * {@value #CONFIRM_TIMEOUT_MILLIS} ms are published again by the next {@link #publish} or {@link #retry} (so a consumer
 * may get one twice, later than the ones after it). One thread publishes at a time ({@link #publish} and {@link #retry}
 * are synchronized); confirms arrive on the connection's thread.
 */
final class PipelinedPublisher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PipelinedPublisher.class);

    static final long CONFIRM_TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(5);

    /**
     * Past this many unconfirmed messages, or messages waiting to be published again (a broker away for long), the
     * oldest are dropped.
     */
    private static final int MAX_UNCONFIRMED = 100_000;

    private static final AMQP.BasicProperties PERSISTENT_JSON = new AMQP.BasicProperties.Builder()
        .contentType("application/json")
        .deliveryMode(2)
        .build();

    private final ConnectionFactory connectionFactory;

    private final String exchange;

    /** To publish again, oldest first. */
    private final Queue<Outgoing> again = new ConcurrentLinkedQueue<>();

    private @Nullable Confirms open;

    PipelinedPublisher(ConnectionFactory connectionFactory, String exchange) {
        this.connectionFactory = connectionFactory;
        this.exchange = exchange;
    }

    /**
     * Publishes what is due again, then {@code messages}. Throws if the broker cannot be reached: then the messages not
     * published are kept to be published again.
     */
    synchronized void publish(List<Outgoing> messages) throws IOException {
        List<Outgoing> due = new ArrayList<>();
        takeTimedOut();
        while (again.size() > MAX_UNCONFIRMED) {
            Outgoing dropped = again.poll();
            log.warn("Dropped a message to {}: {} are waiting to be published again", dropped.routingKey(),
                    MAX_UNCONFIRMED);
        }
        for (Outgoing message; (message = again.poll()) != null; ) {
            due.add(message);
        }
        due.addAll(messages);
        int published = 0;
        try {
            Confirms confirms = confirms();
            for (Outgoing message : due) {
                confirms.publish(message);
                published++;
            }
        }
        catch (IOException | RuntimeException ex) {
            again.addAll(due.subList(published, due.size()));
            close();
            throw ex instanceof IOException io ? io : new IOException(ex.getMessage(), ex);
        }
    }

    /** Publishes again what is due (nacked, its channel closed, or unconfirmed for too long). */
    synchronized void retry() throws IOException {
        takeTimedOut();
        if (!again.isEmpty()) {
            publish(List.of());
        }
    }

    /** Messages published and not yet confirmed, and those waiting to be published again. */
    int unsettled() {
        Confirms confirms = open;
        return again.size() + (confirms == null ? 0 : confirms.unconfirmed.size());
    }

    private void takeTimedOut() {
        Confirms confirms = open;
        if (confirms == null) {
            return;
        }
        long oldest = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(CONFIRM_TIMEOUT_MILLIS);
        confirms.unconfirmed.values().removeIf(sent -> {
            if (sent.at - oldest < 0) {
                again.add(sent.message);
                return true;
            }
            return false;
        });
    }

    private Confirms confirms() throws IOException {
        if (open == null || !open.channel.isOpen()) {
            close();
            // a channel of RabbitMQ's client itself: the cached channel Spring hands out opens a new one (out of confirm
            // mode) behind the same object when the old one closes, and this one's confirms would never come
            open = new Confirms(connectionFactory.createConnection().getDelegate().createChannel());
        }
        return open;
    }

    /** Closes the channel; what it had not confirmed is published again on the next one. */
    @Override
    public synchronized void close() {
        Confirms confirms = open;
        open = null;
        if (confirms == null) {
            return;
        }
        try {
            if (confirms.channel.isOpen()) {
                confirms.channel.close();
            }
        }
        catch (IOException | TimeoutException | RuntimeException ignored) {
            // gone either way
        }
        confirms.takeAll();
    }

    /** One persistent JSON message to publish. */
    record Outgoing(String routingKey, byte[] json) {
    }

    /** A published message, and when. */
    private record Sent(Outgoing message, long at) {
    }

    /** One confirming channel and what it has not confirmed yet, by delivery tag. */
    private final class Confirms implements ConfirmListener {

        private final Channel channel;

        private final ConcurrentNavigableMap<Long, Sent> unconfirmed = new ConcurrentSkipListMap<>();

        Confirms(Channel channel) throws IOException {
            this.channel = channel;
            channel.confirmSelect();
            channel.addConfirmListener(this);
            channel.addShutdownListener(cause -> takeAll());
        }

        void publish(Outgoing message) throws IOException {
            if (unconfirmed.size() >= MAX_UNCONFIRMED) {
                Map.Entry<Long, Sent> oldest = unconfirmed.pollFirstEntry();
                if (oldest != null) {
                    log.warn("Dropped an unconfirmed message to {} ({} unconfirmed)", oldest.getValue().message().routingKey(),
                            MAX_UNCONFIRMED);
                }
            }
            long tag = channel.getNextPublishSeqNo();
            unconfirmed.put(tag, new Sent(message, System.nanoTime()));
            try {
                channel.basicPublish(exchange, message.routingKey(), PERSISTENT_JSON, message.json());
            }
            catch (IOException | RuntimeException ex) {
                unconfirmed.remove(tag); // the caller keeps it to publish again
                throw ex;
            }
        }

        @Override
        public void handleAck(long deliveryTag, boolean multiple) {
            settled(deliveryTag, multiple).clear();
        }

        @Override
        public void handleNack(long deliveryTag, boolean multiple) {
            Map<Long, Sent> refused = settled(deliveryTag, multiple);
            refused.values().forEach(sent -> again.add(sent.message()));
            refused.clear();
        }

        private Map<Long, Sent> settled(long deliveryTag, boolean multiple) {
            return multiple ? unconfirmed.headMap(deliveryTag, true) : unconfirmed.subMap(deliveryTag, true, deliveryTag, true);
        }

        /** The channel is gone: nothing it holds will be confirmed. */
        void takeAll() {
            for (Map.Entry<Long, Sent> sent; (sent = unconfirmed.pollFirstEntry()) != null; ) {
                again.add(sent.getValue().message());
            }
        }
    }
}
