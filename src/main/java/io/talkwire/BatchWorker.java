package io.talkwire;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Threads that take everything waiting in a queue, up to a batch at a time, and hand each batch to a handler: work
 * that arrives together is done together (one commit for many sends, one transaction for many presence changes).
 * Each item carries the future its caller waits on; a batch whose handler throws, and whatever is still queued when
 * the worker stops, fail theirs.
 */
public final class BatchWorker<T> {

    private static final Logger log = LoggerFactory.getLogger(BatchWorker.class);

    private final BlockingQueue<T> queue = new LinkedBlockingQueue<>();

    private final List<Thread> threads = new ArrayList<>();

    private final int maxBatch;

    private final Consumer<List<T>> handler;

    private final Function<T, CompletableFuture<?>> futureOf;

    public BatchWorker(String name, int threadCount, int maxBatch, Consumer<List<T>> handler,
            Function<T, CompletableFuture<?>> futureOf) {
        this.maxBatch = maxBatch;
        this.handler = handler;
        this.futureOf = futureOf;
        for (int i = 0; i < threadCount; i++) {
            threads.add(Thread.ofPlatform().daemon().name(name + "-" + i).start(this::run));
        }
    }

    public void submit(T item) {
        queue.add(item);
    }

    public void stop() {
        threads.forEach(Thread::interrupt);
    }

    private void run() {
        List<T> batch = new ArrayList<>(maxBatch);
        while (!Thread.currentThread().isInterrupted()) {
            try {
                batch.add(queue.take());
                queue.drainTo(batch, maxBatch - 1);
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
}
