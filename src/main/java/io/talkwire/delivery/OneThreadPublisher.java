package io.talkwire.delivery;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes room events to RabbitMQ from one thread of its own, in the order they were handed over, so that neither
 * a committer nor the presence worker waits for the broker. Past {@value #MAX_BACKLOG} waiting events (a hung broker)
 * new ones are dropped, with a warning each: they are committed, and clients recover them over REST.
 *
 * <p>{@value #PUBLISH_TIMER} times each committed event from its handover here (on the thread that committed it,
 * right after the commit) to its publish to RabbitMQ returning: the wait behind earlier events plus the publish.
 */
final class OneThreadPublisher {

    private static final Logger log = LoggerFactory.getLogger(OneThreadPublisher.class);

    private static final int MAX_BACKLOG = 100_000;

    private static final int MAX_EPHEMERAL_BACKLOG = 1_000;

    static final String PUBLISH_TIMER = "talkwire.delivery.commit.to.publish";

    private final ThreadPoolExecutor thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(MAX_BACKLOG), Thread.ofPlatform().daemon().name("talkwire-room-publisher").factory());

    private final Timer published;

    OneThreadPublisher(MeterRegistry meters) {
        this.published = Timer.builder(PUBLISH_TIMER)
            .description("from a committed room event's handover to delivery (right after its commit) to its publish"
                    + " to RabbitMQ returning; failed publishes are not timed")
            .publishPercentileHistogram()
            .register(meters);
    }

    /** {@code publish} returns whether RabbitMQ took the event; only those are timed. */
    void publish(long roomId, BooleanSupplier publish) {
        long handedOver = System.nanoTime();
        try {
            thread.execute(() -> {
                if (publish.getAsBoolean()) {
                    published.record(System.nanoTime() - handedOver, TimeUnit.NANOSECONDS);
                }
            });
        }
        catch (RejectedExecutionException ex) {
            log.warn("Could not publish an event of room {} (backlog full, or shutting down)", roomId);
        }
    }

    /**
     * For events that may be lost (TYPING): handed over only while fewer than {@value #MAX_EPHEMERAL_BACKLOG} events
     * wait, so that they never crowd committed ones out of the backlog of a hung broker; dropped silently otherwise.
     * Behind the events already waiting, in order, but never behind a commit: this thread only publishes.
     */
    void publishIfIdle(Runnable publish) {
        if (thread.getQueue().size() >= MAX_EPHEMERAL_BACKLOG) {
            return;
        }
        try {
            thread.execute(publish);
        }
        catch (RejectedExecutionException ex) {
            // shutting down, or the backlog filled up meanwhile: it may be lost
        }
    }

    /** Publishes what is still waiting, for a few seconds at most; true if all of it was. */
    boolean stop() throws InterruptedException {
        thread.shutdown();
        return thread.awaitTermination(5, TimeUnit.SECONDS);
    }
}
