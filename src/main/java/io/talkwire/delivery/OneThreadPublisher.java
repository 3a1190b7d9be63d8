package io.talkwire.delivery;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes room events to RabbitMQ one at a time, in the order they were handed over. While nothing waits, the thread
 * that hands an event over (a committer, right after its commit) publishes it itself: no hand-off to another thread on
 * the way to the subscribers. While an event is being published or waits, the next ones wait behind it for a thread of
 * this class's own, so that no caller waits for the broker: a broker that stops reading holds up at most the one
 * caller whose write it stopped. Past {@value #MAX_BACKLOG} waiting events (a hung broker) new ones are dropped, with
 * a warning each: they are committed, and clients recover them over REST.
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

    /** Held while an event is published, by a caller or by the thread. */
    private final ReentrantLock publishing = new ReentrantLock();

    /** Events handed to the thread and not yet published: while there are any, callers hand theirs over too. */
    private final AtomicInteger waiting = new AtomicInteger();

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
        Runnable timed = () -> {
            if (publish.getAsBoolean()) {
                published.record(System.nanoTime() - handedOver, TimeUnit.NANOSECONDS);
            }
        };
        if (!publishedHere(timed) && !handOver(timed)) {
            log.warn("Could not publish an event of room {} (backlog full, or shutting down)", roomId);
        }
    }

    /**
     * For events that may be lost (TYPING): handed over only while fewer than {@value #MAX_EPHEMERAL_BACKLOG} events
     * wait, so that they never crowd committed ones out of the backlog of a hung broker; dropped silently otherwise.
     * Behind the events already waiting, in order, but never behind a commit: this thread only publishes.
     */
    void publishIfIdle(Runnable publish) {
        if (!publishedHere(publish) && thread.getQueue().size() < MAX_EPHEMERAL_BACKLOG) {
            handOver(publish); // if shutting down, or the backlog filled up meanwhile, it may be lost
        }
    }

    /** Publishes on the calling thread if nothing is being published nor waits; false if it did not. */
    private boolean publishedHere(Runnable publish) {
        if (thread.isShutdown() || !publishing.tryLock()) {
            return false;
        }
        try {
            if (waiting.get() > 0) {
                return false;
            }
            publish.run();
            return true;
        }
        finally {
            publishing.unlock();
        }
    }

    /** Leaves it to the thread, behind what waits there; false if the backlog is full or this is shutting down. */
    private boolean handOver(Runnable publish) {
        waiting.incrementAndGet();
        try {
            thread.execute(() -> {
                publishing.lock();
                try {
                    publish.run();
                }
                finally {
                    waiting.decrementAndGet();
                    publishing.unlock();
                }
            });
            return true;
        }
        catch (RejectedExecutionException ex) {
            waiting.decrementAndGet();
            return false;
        }
    }

    /** Publishes what is still waiting, for a few seconds at most; true if all of it was. */
    boolean stop() throws InterruptedException {
        thread.shutdown();
        return thread.awaitTermination(5, TimeUnit.SECONDS);
    }
}
