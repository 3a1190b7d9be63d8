package io.talkwire;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Threads that take everything waiting in their queue, up to a batch at a time, and hand each batch to a handler: work
 * that arrives together is done together (one commit for many sends, one transaction for many presence changes).
 * Each thread has a queue of its own and an item goes to the queue its key picks, so items of one key (a room) are
 * always batched by the same thread and never race each other. Each item carries the future its caller waits on; a
 * batch whose handler throws, and whatever is still queued when the worker stops, fail theirs.
 *
 * <p>A worker may also linger: when {@code moreComing} says that further items are already on their way (received,
 * not yet submitted), the thread waits for them, up to {@code maxLinger}, before it hands over the batch, as
 * PostgreSQL's {@code commit_delay} does for commits with siblings. Without items on their way it never waits.
 */
public final class BatchWorker<T> {

    private static final Logger log = LoggerFactory.getLogger(BatchWorker.class);

    private final List<BlockingQueue<T>> queues = new ArrayList<>();

    private final List<Thread> threads = new ArrayList<>();

    private final int maxBatch;

    private final Consumer<List<T>> handler;

    private final Function<T, CompletableFuture<?>> futureOf;

    private final BooleanSupplier moreComing;

    private final long maxLingerNanos;

    public BatchWorker(String name, int threadCount, int maxBatch, Consumer<List<T>> handler,
            Function<T, CompletableFuture<?>> futureOf) {
        this(name, threadCount, maxBatch, handler, futureOf, () -> false, Duration.ZERO);
    }

    public BatchWorker(String name, int threadCount, int maxBatch, Consumer<List<T>> handler,
            Function<T, CompletableFuture<?>> futureOf, BooleanSupplier moreComing, Duration maxLinger) {
        this.maxBatch = maxBatch;
        this.handler = handler;
        this.futureOf = futureOf;
        this.moreComing = moreComing;
        this.maxLingerNanos = maxLinger.toNanos();
        for (int i = 0; i < threadCount; i++) {
            BlockingQueue<T> queue = new LinkedBlockingQueue<>();
            queues.add(queue);
            threads.add(Thread.ofPlatform().daemon().name(name + "-" + i).start(() -> run(queue)));
        }
    }

    public void submit(T item) {
        submit(item, 0);
    }

    /** Items of one key go to the same thread, in the order submitted. */
    public void submit(T item, long key) {
        queues.get((int) Math.floorMod(key, (long) queues.size())).add(item);
    }

    public void stop() {
        threads.forEach(Thread::interrupt);
    }

    private void run(BlockingQueue<T> queue) {
        List<T> batch = new ArrayList<>(maxBatch);
        while (!Thread.currentThread().isInterrupted()) {
            try {
                batch.add(queue.take());
                queue.drainTo(batch, maxBatch - 1);
                linger(queue, batch);
                handler.accept(batch);
            }
            catch (InterruptedException stopping) {
                Thread.currentThread().interrupt();
            }
            catch (RuntimeException unexpected) {
                log.error("{} failed", Thread.currentThread().getName(), unexpected);
                batch.forEach(item -> futureOf.apply(item).completeExceptionally(unexpected));
            }
            finally {
                batch.clear();
            }
        }
        queue.forEach(item -> futureOf.apply(item).completeExceptionally(new IllegalStateException("shutting down")));
    }

    private void linger(BlockingQueue<T> queue, List<T> batch) throws InterruptedException {
        long deadline = System.nanoTime() + maxLingerNanos;
        while (batch.size() < maxBatch && moreComing.getAsBoolean() && System.nanoTime() < deadline) {
            T next = queue.poll(20, TimeUnit.MICROSECONDS);
            if (next != null) {
                batch.add(next);
                queue.drainTo(batch, maxBatch - batch.size());
            }
        }
    }
}
