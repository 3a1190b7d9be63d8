package io.talkwire.cluster;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the senders did, shared with the test: the SENDs handed over whose RECEIPT has not come yet (so that the cut
 * can be timed to hit some), how often each clientMessageId was sent, and which were receipted.
 */
final class SendLog {

    /** Receipt id of each SEND handed over and not yet answered or given up, with its RECEIPT to come. */
    private final Map<String, CompletableFuture<Void>> unanswered = new HashMap<>();

    /** Receipt id of every SEND handed over, with its RECEIPT: kept once answered or given up. */
    private final Map<String, CompletableFuture<Void>> handedOver = new ConcurrentHashMap<>();

    private final Map<String, Integer> attempts = new ConcurrentHashMap<>();

    private final Set<String> receipted = ConcurrentHashMap.newKeySet();

    void attempt(String clientMessageId) {
        attempts.merge(clientMessageId, 1, Integer::sum);
    }

    synchronized void handedOver(String receiptId, CompletableFuture<Void> receipt) {
        unanswered.put(receiptId, receipt);
        handedOver.put(receiptId, receipt);
    }

    /** Whether the RECEIPT of the SEND with this receipt id came (however long after its sender stopped waiting). */
    boolean receiptCame(String receiptId) {
        CompletableFuture<Void> receipt = handedOver.get(receiptId);
        return receipt != null && receipt.isDone() && !receipt.isCompletedExceptionally();
    }

    synchronized void settled(String receiptId) {
        unanswered.remove(receiptId);
    }

    void receipted(String clientMessageId) {
        receipted.add(clientMessageId);
    }

    int receiptedCount() {
        return receipted.size();
    }

    Set<String> receiptedIds() {
        return Set.copyOf(receipted);
    }

    List<String> resentIds() {
        return attempts.entrySet().stream().filter(sent -> sent.getValue() > 1).map(Map.Entry::getKey).toList();
    }

    /**
     * Runs {@code cut} at a moment when some SEND is handed over and its RECEIPT has not arrived, under the lock the
     * senders record their SENDs with; returns the receipt ids of those SENDs.
     */
    List<String> cutWhileInFlight(Runnable cut) {
        return cutWhileInFlight(1, cut);
    }

    /** As {@link #cutWhileInFlight(Runnable)}, once at least {@code atLeast} SENDs wait for their RECEIPT. */
    List<String> cutWhileInFlight(int atLeast, Runnable cut) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            synchronized (this) {
                List<String> inFlight = unanswered.entrySet().stream()
                    .filter(send -> !send.getValue().isDone())
                    .map(Map.Entry::getKey)
                    .sorted()
                    .toList();
                if (inFlight.size() >= atLeast) {
                    cut.run();
                    return inFlight;
                }
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("fewer than " + atLeast + " SENDs waited for their RECEIPT in 10 s: the stream had stopped");
    }
}
