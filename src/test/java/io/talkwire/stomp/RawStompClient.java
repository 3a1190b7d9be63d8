package io.talkwire.stomp;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * STOMP written and read by hand over a plain WebSocket, byte for byte as Flutter's stomp_dart_client does:
 * no STOMP library involved.
 */
final class RawStompClient implements WebSocket.Listener, AutoCloseable {

    static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();

    private final List<Frame> skipped = new ArrayList<>();

    private final StringBuilder partial = new StringBuilder();

    final AtomicInteger heartBeats = new AtomicInteger();

    final CompletableFuture<Integer> closed = new CompletableFuture<>();

    /** A stuck client: stops reading, so the server's writes to it back up. */
    private volatile boolean stalled;

    private final WebSocket socket;

    RawStompClient(int port) {
        this(port, Map.of());
    }

    /** With these HTTP headers on the WebSocket handshake. */
    RawStompClient(int port, Map<String, String> handshakeHeaders) {
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().subprotocols("v12.stomp", "v11.stomp");
        handshakeHeaders.forEach(builder::header);
        this.socket = builder.buildAsync(URI.create("ws://localhost:" + port + "/ws"), this).join();
    }

    String subprotocol() {
        return socket.getSubprotocol();
    }

    /** Writes one frame; header values are escaped as STOMP 1.2 requires. */
    void send(String command, Map<String, String> headers, String body) {
        StringBuilder frame = new StringBuilder(command).append('\n');
        headers.forEach((name, value) -> frame.append(escape(name)).append(':').append(escape(value)).append('\n'));
        frame.append('\n').append(body).append('\0');
        sendText(frame.toString());
    }

    void sendText(String text) {
        socket.sendText(text, true).join();
    }

    void sendBinary(byte[] bytes) {
        socket.sendBinary(java.nio.ByteBuffer.wrap(bytes), true).join();
    }

    /** Every frame received so far, without waiting. */
    List<Frame> drainFrames() {
        List<Frame> drained = new ArrayList<>(skipped);
        skipped.clear();
        frames.drainTo(drained);
        return drained;
    }

    Frame next() {
        try {
            Frame frame = frames.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (frame == null) {
                throw new AssertionError("no frame within " + TIMEOUT);
            }
            return frame;
        }
        catch (InterruptedException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** The next frame with this command; frames of other commands stay for later calls. */
    Frame next(String command) {
        for (Frame frame : skipped) {
            if (frame.command().equals(command)) {
                skipped.remove(frame);
                return frame;
            }
        }
        Frame frame;
        while (!(frame = next()).command().equals(command)) {
            skipped.add(frame);
        }
        return frame;
    }

    Frame connect(String token, String heartBeat) {
        send("CONNECT", Map.of("accept-version", "1.2", "host", "localhost", "heart-beat", heartBeat,
                "Authorization", "Bearer " + token), "");
        return next();
    }

    int awaitClose() {
        try {
            return closed.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
        catch (Exception ex) {
            throw new AssertionError("the server did not close the connection", ex);
        }
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        int end;
        while (true) {
            while (!partial.isEmpty() && (partial.charAt(0) == '\n' || partial.charAt(0) == '\r')) {
                if (partial.charAt(0) == '\n') {
                    heartBeats.incrementAndGet();
                }
                partial.deleteCharAt(0);
            }
            end = partial.indexOf("\0");
            if (end < 0) {
                break;
            }
            frames.add(Frame.parse(partial.substring(0, end)));
            partial.delete(0, end + 1);
        }
        if (!stalled) {
            webSocket.request(1);
        }
        return null;
    }

    void stall() {
        stalled = true;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, java.nio.ByteBuffer data, boolean last) {
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(-1);
    }

    /** Drops the connection as a vanished client does: no DISCONNECT, no close handshake. */
    void drop() {
        socket.abort();
    }

    @Override
    public void close() {
        if (!closed.isDone()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n").replace(":", "\\c");
    }

    private static String unescape(String value) {
        return value.replace("\\r", "\r").replace("\\n", "\n").replace("\\c", ":").replace("\\\\", "\\");
    }

    record Frame(String command, Map<String, String> headers, String body) {

        static Frame parse(String text) {
            int bodyStart = text.indexOf("\n\n");
            String head = bodyStart < 0 ? text : text.substring(0, bodyStart);
            String body = bodyStart < 0 ? "" : text.substring(bodyStart + 2);
            String[] lines = head.split("\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                // STOMP 1.2: the first occurrence of a repeated header wins
                headers.putIfAbsent(unescape(lines[i].substring(0, colon)), unescape(lines[i].substring(colon + 1)));
            }
            return new Frame(lines[0].strip(), headers, body);
        }

        String header(String name) {
            return headers.get(name);
        }
    }
}
