package io.talkwire;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
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

    /** A thread that died of it would leave every later item of its keys waiting forever. */
    @Test
    void aBatchWhoseHandlerThrowsAnErrorFailsAndTheThreadGoesOn() throws Exception {
        Map<Item, CompletableFuture<Void>> futures = new ConcurrentHashMap<>();
        worker = new BatchWorker<>("test-worker", 1, 1, batch -> {
            if (batch.getFirst().equals(new Item(1))) {
                throw new StackOverflowError("deep");
            }
            batch.forEach(item -> futures.computeIfAbsent(item, i -> new CompletableFuture<>()).complete(null));
        }, item -> futures.computeIfAbsent(item, i -> new CompletableFuture<>()));
        worker.submit(new Item(1));
        worker.submit(new Item(2));

        assertThat(futures.computeIfAbsent(new Item(1), i -> new CompletableFuture<>())).failsWithin(Duration.ofSeconds(5))
            .withThrowableThat().withCauseInstanceOf(StackOverflowError.class);
        assertThat(futures.computeIfAbsent(new Item(2), i -> new CompletableFuture<>())).succeedsWithin(Duration.ofSeconds(5));
    }

    @Test
    void stopHandlesWhatIsQueuedBeforeTheThreadsEnd() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<Item> handled = new CopyOnWriteArrayList<>();
        Map<Item, CompletableFuture<Void>> futures = new ConcurrentHashMap<>();
        worker = new BatchWorker<>("test-worker", 1, 2, batch -> {
            awaitQuietly(release);
            handled.addAll(batch);
            batch.forEach(item -> futures.computeIfAbsent(item, i -> new CompletableFuture<>()).complete(null));
        }, item -> futures.computeIfAbsent(item, i -> new CompletableFuture<>()));
        for (int n = 1; n <= 5; n++) {
            worker.submit(new Item(n));
        }
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> worker.stop(Duration.ofSeconds(10)));
        // stop has begun once a new item is refused (probes taken before that are handled too, after the others)
        Item probe = new Item(0);
        for (int n = -1; !refused(futures.get(probe)); n--) {
            probe = new Item(n);
            worker.submit(probe);
            Thread.sleep(1);
        }
        release.countDown(); // the first batch was held up while stop began: the rest still gets handled
        stopped.get(10, TimeUnit.SECONDS);
        assertThat(handled.stream().filter(item -> item.n() > 0))
            .containsExactly(new Item(1), new Item(2), new Item(3), new Item(4), new Item(5));
        assertThat(futures.entrySet().stream().filter(entry -> entry.getKey().n() > 0).map(Map.Entry::getValue))
            .allMatch(future -> future.isDone() && !future.isCompletedExceptionally());
    }

    @Test
    void afterStopAnItemFailsAtOnceAndWhatTheDeadlineCutOffFailsToo() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        Map<Item, CompletableFuture<Void>> futures = new ConcurrentHashMap<>();
        worker = new BatchWorker<>("test-worker", 1, 1, batch -> awaitQuietly(never),
                item -> futures.computeIfAbsent(item, i -> new CompletableFuture<>()));
        worker.submit(new Item(1));
        worker.submit(new Item(2));
        worker.stop(Duration.ofMillis(200));
        worker.submit(new Item(3));
        for (int n = 1; n <= 3; n++) {
            CompletableFuture<Void> future = futures.computeIfAbsent(new Item(n), i -> new CompletableFuture<>());
            assertThat(future).as("item %d", n).failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(ShuttingDownException.class);
        }
    }

    private static boolean refused(CompletableFuture<Void> future) {
        return future != null && future.isCompletedExceptionally();
    }

    /** A handler held up until released; an interrupt (stop's deadline) ends the wait as a failed batch would. */
    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private void start(BooleanSupplier moreComing, Duration maxLinger) {
        worker = new BatchWorker<>("test-worker", 2, 16, batch -> batches.add(List.copyOf(batch)),
                item -> new CompletableFuture<>(), moreComing, maxLinger);
    }

    private record Item(int n) {
    }
}
