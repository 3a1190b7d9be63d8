package io.talkwire;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How a {@link BatchWorker} forms batches: what is waiting goes together, and it lingers only when told more is coming. */
class BatchWorkerTest {

    private final BlockingQueue<List<Item>> batches = new LinkedBlockingQueue<>();

    private BatchWorker<Item> worker;

    @AfterEach
    void stop() {
        worker.stop();
    }

    @Test
    void aLoneItemIsHandedOverAtOnceWhenNothingMoreIsComing() throws InterruptedException {
        start(() -> false, Duration.ofSeconds(30));
        worker.submit(new Item(1));
        assertThat(batches.poll(10, TimeUnit.SECONDS)).containsExactly(new Item(1));
    }

    @Test
    void anItemWaitsForItemsItWasToldAreComing() throws InterruptedException {
        start(() -> true, Duration.ofSeconds(2));
        worker.submit(new Item(1), 7);
        Thread.sleep(50);
        worker.submit(new Item(2), 7);
        assertThat(batches.poll(10, TimeUnit.SECONDS)).containsExactly(new Item(1), new Item(2));
    }

    @Test
    void lingeringEndsAfterTheLongestWait() throws InterruptedException {
        start(() -> true, Duration.ofMillis(50));
        worker.submit(new Item(1));
        assertThat(batches.poll(10, TimeUnit.SECONDS)).containsExactly(new Item(1));
    }

    private void start(BooleanSupplier moreComing, Duration maxLinger) {
        worker = new BatchWorker<>("test-worker", 2, 16, batch -> batches.add(List.copyOf(batch)),
                item -> new CompletableFuture<>(), moreComing, maxLinger);
    }

    private record Item(int n) {
    }
}
