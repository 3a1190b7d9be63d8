package io.talkwire.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

/**
 * The SEND path with receipts (scenario 4, and the inbound scenario's SEND rounds): {@link #SENDERS} sessions of one
 * user, all connected before anything is measured, sender {@code s} sending to room {@code s % rooms} on a thread of
 * its own and keeping up to {@code window} SENDs awaiting their RECEIPT (sent after the commit), as a client that
 * pipelines does, so the figure is the highest receipted rate rather than 20 round trips at a time. Each SEND carries
 * a clientMessageId of its own, which is also its receipt id; what was receipted is returned by clientMessageId.
 */
final class ReceiptedSenders implements AutoCloseable {

    /** Talkwire's senders (and scenario 4's JDBC threads). */
    static final int SENDERS = 20;

    /** A sender whose RECEIPTs stop coming for this long stops (a SEND that failed gets none), rather than hang. */
    private static final long RECEIPT_TIMEOUT_SECONDS = 60;

    private final Talkwire target;

    private final List<String> roomIds;

    private final int window;

    private final List<BenchStomp> clients = new ArrayList<>();

    /** Connects every sender's session, one after another; if one cannot connect, closes those that did. */
    ReceiptedSenders(Talkwire target, List<String> roomIds, int window) {
        this.target = target;
        this.roomIds = List.copyOf(roomIds);
        this.window = window;
        try {
            for (int s = 0; s < SENDERS; s++) {
                clients.add(target.connect(body -> { }));
            }
        }
        catch (RuntimeException ex) {
            close();
            throw ex;
        }
    }

    /** Sends for {@code seconds}; what was receipted within them (the last receipts, after, are not counted). */
    Set<String> sendFor(int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        BooleanSupplier before = () -> System.nanoTime() < end;
        return send(before, before, seconds + RECEIPT_TIMEOUT_SECONDS + 60);
    }

    /** Sends {@code messages} in all, shared out as the senders go, and waits for every RECEIPT (at most 10 minutes). */
    Set<String> sendAll(int messages) throws Exception {
        AtomicInteger left = new AtomicInteger(messages);
        return send(() -> left.getAndDecrement() > 0, () -> true, TimeUnit.MINUTES.toSeconds(10));
    }

    /** Each sender sends while {@code another} says so; a RECEIPT counts while {@code counts} says so. */
    private Set<String> send(BooleanSupplier another, BooleanSupplier counts, long timeoutSeconds) throws Exception {
        Set<String> receipted = ConcurrentHashMap.newKeySet();
        String run = UUID.randomUUID().toString().substring(0, 8); // a clientMessageId used before would not be stored again
        onThreads(SENDERS, s -> () -> {
            String room = roomIds.get(s % roomIds.size());
            sender(clients.get(s), room, run + "-" + s, another, counts, receipted);
        }, timeoutSeconds);
        return receipted;
    }

    private void sender(BenchStomp client, String room, String prefix, BooleanSupplier another, BooleanSupplier counts,
            Set<String> receipted) {
        Semaphore inFlight = new Semaphore(window);
        int n = 0;
        while (another.getAsBoolean()) {
            String id = prefix + "-" + n++;
            if (!awaitReceipts(inFlight, 1)) {
                return;
            }
            client.sendWithReceipt(target.sendDestination(room),
                    "{\"content\":\"persist " + id + "\",\"clientMessageId\":\"" + id + "\"}", id)
                .whenComplete((ok, failed) -> {
                    if (failed == null && counts.getAsBoolean()) {
                        receipted.add(id);
                    }
                    inFlight.release();
                });
        }
        awaitReceipts(inFlight, window); // the last receipts
    }

    /** Until {@code permits} SENDs of the window are free, for at most {@link #RECEIPT_TIMEOUT_SECONDS}. */
    private static boolean awaitReceipts(Semaphore inFlight, int permits) {
        try {
            return inFlight.tryAcquire(permits, RECEIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        clients.forEach(BenchStomp::close);
    }

    /**
     * Thread 0 to {@code threads - 1}: {@code work} gives each its task here, in turn, and each runs on a thread of
     * its own; waits for them all, for at most {@code timeoutSeconds}.
     */
    static void onThreads(int threads, IntFunction<Runnable> work, long timeoutSeconds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(CompletableFuture.runAsync(work.apply(t), pool));
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(timeoutSeconds, TimeUnit.SECONDS);
        pool.shutdown();
    }
}
