package io.talkwire.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A lean STOMP 1.2 client over the JDK's WebSocket, light enough to hold thousands of sessions in one load
 * generator. Frames are written by hand; MESSAGE bodies go to a callback, RECEIPTs complete futures.
 */
final class BenchStomp implements WebSocket.Listener {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /**
     * Every client promises a heart-beat each 10 s and sends one each 5 s, as browser clients do: a subscriber that
     * only listens would otherwise be closed as idle (RabbitMQ's Web-STOMP does so after 60 s) between measured runs.
     */
    private static final Set<BenchStomp> OPEN = ConcurrentHashMap.newKeySet();

    static {
        Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().factory())
            .scheduleWithFixedDelay(() -> OPEN.forEach(BenchStomp::heartBeat), 5, 5, TimeUnit.SECONDS);
    }

    private final StringBuilder partial = new StringBuilder();

    private final Map<String, CompletableFuture<Void>> receipts = new ConcurrentHashMap<>();

    private final CompletableFuture<Void> connected = new CompletableFuture<>();

    private final Consumer<String> onMessage;

    private WebSocket socket;

    private volatile String error;

    private BenchStomp(Consumer<String> onMessage) {
        this.onMessage = onMessage;
    }

    /** Connects and waits for CONNECTED; {@code headers} carry the token (Talkwire) or login (RabbitMQ). */
    static BenchStomp connect(String url, Map<String, String> headers, Consumer<String> onMessage) {
        BenchStomp client = new BenchStomp(onMessage);
        client.socket = HTTP.newWebSocketBuilder()
            .subprotocols("v12.stomp")
            .connectTimeout(Duration.ofSeconds(30))
            .buildAsync(URI.create(url), client)
            .join();
        StringBuilder connect = new StringBuilder("CONNECT\naccept-version:1.2\nheart-beat:10000,0\n");
        headers.forEach((name, value) -> connect.append(name).append(':').append(value).append('\n'));
        client.write(connect.append("\n\0").toString());
        try {
            client.connected.get(60, TimeUnit.SECONDS);
        }
        catch (Exception ex) {
            throw new IllegalStateException("no CONNECTED from " + url + ": " + client.error, ex);
        }
        OPEN.add(client);
        return client;
    }

    CompletableFuture<Void> subscribe(String id, String destination) {
        return frame("SUBSCRIBE\nid:" + id + "\ndestination:" + destination + "\nack:auto\n", "", "sub-" + id);
    }

    void send(String destination, String body) {
        write("SEND\ndestination:" + destination + "\ncontent-type:application/json\n\n" + body + "\0");
    }

    CompletableFuture<Void> sendWithReceipt(String destination, String body, String receiptId) {
        return frame("SEND\ndestination:" + destination + "\ncontent-type:application/json\n", body, receiptId);
    }

    void close() {
        OPEN.remove(this);
        try {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
        }
        catch (Exception ignored) {
            socket.abort();
        }
    }

    private CompletableFuture<Void> frame(String head, String body, String receiptId) {
        CompletableFuture<Void> receipt = new CompletableFuture<>();
        receipts.put(receiptId, receipt);
        write(head + "receipt:" + receiptId + "\n\n" + body + "\0");
        return receipt;
    }

    private void heartBeat() {
        try {
            write("\n");
        }
        catch (RuntimeException closed) {
            OPEN.remove(this);
        }
    }

    /** The JDK allows one outstanding send per WebSocket: serialize them. */
    private synchronized void write(String text) {
        socket.sendText(text, true).join();
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        int end;
        while ((end = partial.indexOf("\0")) >= 0) {
            String frame = partial.substring(0, end);
            partial.delete(0, end + 1);
            handle(frame.stripLeading());
        }
        webSocket.request(1);
        return null;
    }

    private void handle(String frame) {
        int headerEnd = frame.indexOf("\n\n");
        String head = headerEnd < 0 ? frame : frame.substring(0, headerEnd);
        if (frame.startsWith("MESSAGE")) {
            onMessage.accept(headerEnd < 0 ? "" : frame.substring(headerEnd + 2));
        }
        else if (frame.startsWith("RECEIPT")) {
            String id = header(head, "receipt-id");
            CompletableFuture<Void> receipt = id == null ? null : receipts.remove(id);
            if (receipt != null) {
                receipt.complete(null);
            }
        }
        else if (frame.startsWith("CONNECTED")) {
            connected.complete(null);
        }
        else if (frame.startsWith("ERROR")) {
            error = header(head, "message");
            connected.completeExceptionally(new IllegalStateException(error));
            receipts.values().forEach(r -> r.completeExceptionally(new IllegalStateException(error)));
        }
    }

    private static String header(String head, String name) {
        for (String line : head.split("\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).replace("\\c", ":");
            }
        }
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        connected.completeExceptionally(new IllegalStateException("closed: " + statusCode + " " + error));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable failure) {
        connected.completeExceptionally(failure);
    }
}
