package io.talkwire.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Clients that stream SENDs, each on a thread of its own: client {@code i} sends {@code c{i}-0}, {@code c{i}-1}, ...
 * (its clientMessageIds), each until it is receipted, until {@link #stop}.
 */
final class Senders implements AutoCloseable {

    private final List<RecoveringClient> clients;

    private final AtomicBoolean stopping = new AtomicBoolean();

    private final ExecutorService threads;

    private final List<Future<?>> running = new ArrayList<>();

    Senders(List<RecoveringClient> clients) {
        this.clients = List.copyOf(clients);
        this.threads = Executors.newFixedThreadPool(clients.size());
        for (int c = 0; c < clients.size(); c++) {
            RecoveringClient client = clients.get(c);
            String prefix = "c" + c + "-";
            running.add(threads.submit(() -> {
                for (int m = 0; !stopping.get(); m++) {
                    client.sendUntilReceipted(prefix + m);
                }
            }));
        }
    }

    /** Ends the streams once each client's SEND under way is receipted. */
    void stop() throws Exception {
        stopping.set(true);
        for (Future<?> sender : running) {
            sender.get(3, TimeUnit.MINUTES);
        }
    }

    /**
     * As a client that never saw their RECEIPT would: the SENDs with these receipt ids ({@link SendLog}'s, as
     * {@code clientMessageId#attempt}) once more each, from the client that sent them.
     */
    void sendAgain(List<String> receiptIds) {
        for (String receiptId : receiptIds) {
            String clientMessageId = receiptId.substring(0, receiptId.indexOf('#'));
            clients.get(Integer.parseInt(clientMessageId.substring(1, clientMessageId.indexOf('-'))))
                .sendUntilReceipted(clientMessageId);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopping.set(true);
        threads.shutdownNow();
        threads.awaitTermination(30, TimeUnit.SECONDS);
    }
}
