package io.talkwire;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * batch whose handler throws fails theirs. {@link #stop} lets the threads finish what is queued first (an instance
 * that shuts down commits the sends it already read); what is left after its deadline, or submitted after it was
 * called, fails.
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

    /** Set by {@link #stop}: new items fail. */
    private volatile boolean stopping;

    /** Items submitted and not yet handled or failed, queued or in a batch: {@link #stop} waits for none to be left. */
    private final AtomicInteger outstanding = new AtomicInteger();

    /** Set once the threads have ended: an item that got into a queue after that is failed by its submitter. */
    private volatile boolean stopped;

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
        if (stopping) {
            fail(item);
            return;
        }
        BlockingQueue<T> queue = queues.get((int) Math.floorMod(key, (long) queues.size()));
        outstanding.incrementAndGet();
        queue.add(item);
        if (stopped && queue.remove(item)) {
            outstanding.decrementAndGet();
            fail(item);
        }
    }

    /** {@link #stop(Duration)} with 5 s for what is queued. */
    public void stop() {
        stop(Duration.ofSeconds(5));
    }

    /**
     * Takes no new item, and waits up to {@code within} for the threads to handle what is queued; then interrupts them
     * and fails whatever is left.
     */
    public void stop(Duration within) {
        stopping = true;
        long deadline = System.nanoTime() + within.toNanos();
        try {
            while (outstanding.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        threads.forEach(Thread::interrupt);
        join(threads, Duration.ofSeconds(1)); // so that what they held is failed before this returns
        stopped = true;
        for (BlockingQueue<T> queue : queues) {
            for (T item = queue.poll(); item != null; item = queue.poll()) {
                outstanding.decrementAndGet();
                fail(item);
            }
        }
    }

    private static void join(List<Thread> threads, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        try {
            for (Thread thread : threads) {
                thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /** Items waiting in the queues (not those of a batch being handled): a backlog gauge. */
    public int backlog() {
        return queues.stream().mapToInt(BlockingQueue::size).sum();
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
            catch (InterruptedException interrupted) {
                // stop's deadline passed: what this thread held fails below, what is queued fails in stop
                Thread.currentThread().interrupt();
                batch.forEach(this::fail);
            }
            catch (RuntimeException | Error unexpected) {
                // an Error too (out of memory, a stack overflow): the thread goes on, or its key's items would wait
                // for it forever
                if (stopping && Thread.currentThread().isInterrupted()) {
                    batch.forEach(this::fail); // stop's deadline cut the handler short
                }
                else {
                    log.error("{} failed", Thread.currentThread().getName(), unexpected);
                    batch.forEach(item -> futureOf.apply(item).completeExceptionally(unexpected));
                }
            }
            finally {
                outstanding.addAndGet(-batch.size());
                batch.clear();
            }
        }
    }

    /** Completes the item's future with {@link ShuttingDownException}, unless it was completed already. */
    private void fail(T item) {
        futureOf.apply(item).completeExceptionally(new ShuttingDownException());
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
