package io.talkwire.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Sessions opened as fast as they go (scenarios 3 and 5): those that opened, how long opening them all took, and why
 * the first that failed did.
 */
record OpenedSessions(List<BenchStomp> clients, double seconds, String firstFailure) {

    /** Opens session 0 to {@code sessions - 1}, {@code concurrency} under way at once, each within 120 s. */
    static OpenedSessions open(int sessions, int concurrency, IntFunction<BenchStomp> session) {
        long start = System.nanoTime();
        ExecutorService connectors = Executors.newFixedThreadPool(concurrency);
        List<CompletableFuture<BenchStomp>> pending = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            int n = i;
            pending.add(CompletableFuture.supplyAsync(() -> session.apply(n), connectors));
        }
        List<BenchStomp> clients = new ArrayList<>();
        String failure = null;
        for (CompletableFuture<BenchStomp> client : pending) {
            try {
                clients.add(client.get(120, TimeUnit.SECONDS));
            }
            catch (Exception ex) {
                failure = failure != null ? failure : String.valueOf(ex.getCause() == null ? ex : ex.getCause());
            }
        }
        connectors.shutdown();
        return new OpenedSessions(clients, (System.nanoTime() - start) / 1e9, failure);
    }

    long perSecond() {
        return Math.round(clients.size() / seconds);
    }

    /** Adds {@code firstFailure} to a result, when a session failed to open. */
    void putFirstFailure(Map<String, Object> result) {
        if (firstFailure != null) {
            result.put("firstFailure", firstFailure);
        }
    }

    /** Closes every session, 16 at a time, for at most 2 minutes. */
    void closeAll() throws InterruptedException {
        ExecutorService closers = Executors.newFixedThreadPool(16);
        clients.forEach(client -> closers.submit(client::close));
        closers.shutdown();
        closers.awaitTermination(2, TimeUnit.MINUTES);
    }
}
