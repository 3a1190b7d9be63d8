package io.talkwire.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * A client as an app should be written: reconnect, re-subscribe, fetch what it missed, resend until receipted. It
 * keeps apart what arrived live over STOMP and what it fetched over REST. Its sender thread and the test read it.
 */
final class RecoveringClient {

    /** Instances to connect to, the first that answers. */
    private final List<Integer> ports;

    private final Api api;

    private final User user;

    private final long room;

    private final SendLog sends;

    /** Seq → clientMessageId of every message held, however it came (the first copy kept). */
    private final Map<Long, String> held = new HashMap<>();

    /** Seqs of MESSAGE events received over STOMP, in order of arrival, repeats included. */
    private final List<Long> live = new ArrayList<>();

    /** Seqs returned by REST recovery. */
    private final Set<Long> fetched = new HashSet<>();

    /** Subscriptions made, the first one included. */
    private final AtomicInteger subscriptions = new AtomicInteger();

    private volatile StompTestClient client;

    private Inbox inbox;

    private int attempts;

    RecoveringClient(int port, Api api, User user, long room, SendLog sends) {
        this(List.of(port), api, user, room, sends);
    }

    /** Connects to the first of {@code ports} that takes a session, and after a disconnect again so. */
    RecoveringClient(List<Integer> ports, Api api, User user, long room, SendLog sends) {
        this.ports = List.copyOf(ports);
        this.api = api;
        this.user = user;
        this.room = room;
        this.sends = sends;
        connect();
    }

    void sendUntilReceipted(String clientMessageId) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            collect();
            if (client == null || !client.isConnected()) {
                connect();
                continue;
            }
            String receiptId = clientMessageId + "#" + ++attempts;
            sends.attempt(clientMessageId);
            try {
                CompletableFuture<Void> receipt = client.send("/app/rooms." + room + ".send",
                        "{\"content\":\"message %s\",\"clientMessageId\":\"%s\"}".formatted(clientMessageId, clientMessageId),
                        receiptId);
                sends.handedOver(receiptId, receipt);
                receipt.get(3, TimeUnit.SECONDS);
                sends.receipted(clientMessageId);
                return;
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
            catch (Exception noReceiptYet) {
                // disconnected (the link can be cut between the check above and the SEND), or slow: send again
                // with the same clientMessageId, it is stored once
            }
            finally {
                sends.settled(receiptId);
            }
        }
        throw new AssertionError("no RECEIPT for " + clientMessageId + " within 90 s");
    }

    /** Fills the gap above the last seq held without one missing, over REST. */
    synchronized void recover() {
        collect();
        long contiguous = 0;
        while (held.containsKey(contiguous + 1)) {
            contiguous++;
        }
        fetchAfter(api, user, room, contiguous).forEach(m -> {
            long seq = m.get("seq").asLong();
            fetched.add(seq);
            held.putIfAbsent(seq, m.get("clientMessageId").asString());
        });
    }

    /** Takes what arrived live so far. */
    synchronized void collect() {
        if (inbox != null) {
            inbox.drain(Duration.ZERO).stream()
                .filter(e -> e.get("type").asString().equals("MESSAGE"))
                .forEach(e -> {
                    long seq = e.get("seq").asLong();
                    live.add(seq);
                    held.putIfAbsent(seq, e.get("clientMessageId").asString());
                });
        }
    }

    synchronized List<Long> liveSeqs() {
        return List.copyOf(live);
    }

    synchronized Set<Long> fetchedSeqs() {
        return Set.copyOf(fetched);
    }

    synchronized Map<Long, String> held() {
        return Map.copyOf(held);
    }

    synchronized List<Long> heldSeqs() {
        return held.keySet().stream().sorted().toList();
    }

    int subscriptions() {
        return subscriptions.get();
    }

    boolean isConnected() {
        StompTestClient current = client;
        return current != null && current.isConnected();
    }

    String name() {
        return user.name();
    }

    void close() {
        if (client != null) {
            client.close();
        }
    }

    private void connect() {
        // what the old session received before it ended is live, too
        collect();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (int port : ports) {
                if (tryConnect(port)) {
                    recover();
                    return;
                }
            }
            sleep(500);
        }
        throw new AssertionError("could not reconnect within 60 s");
    }

    private boolean tryConnect(int port) {
        StompTestClient fresh = null;
        try {
            fresh = StompTestClient.connect(port, user.token());
            Inbox subscribed = fresh.subscribe("/topic/rooms." + room);
            synchronized (this) {
                client = fresh;
                inbox = subscribed;
            }
            subscriptions.incrementAndGet();
            return true;
        }
        catch (RuntimeException | AssertionError away) {
            closeQuietly(fresh);
            return false;
        }
    }

    /** Every message above {@code seq}, page by page, as the contract's "Missed messages" says (docs/protocol.md). */
    static JsonNode fetchAfter(Api api, User user, long room, long seq) {
        var all = JsonNodeFactory.instance.arrayNode();
        long after = seq;
        while (true) {
            JsonNode page = api.get("/api/rooms/" + room + "/messages?limit=200&after=" + after, user.token()).json();
            if (page.isEmpty()) {
                return all;
            }
            page.forEach(all::add);
            after = page.get(page.size() - 1).get("seq").asLong();
        }
    }

    /** A session that connected but could not subscribe: not left behind to receive anything. */
    private static void closeQuietly(StompTestClient session) {
        if (session == null) {
            return;
        }
        try {
            session.close();
        }
        catch (RuntimeException alreadyGone) {
            // closed by the server meanwhile
        }
    }

    /** Thread.sleep, interruption turned into a failure (shared by the tests of this package). */
    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
