package io.talkwire;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;

import tools.jackson.databind.JsonNode;

import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.converter.MessageConverter;
import org.springframework.messaging.simp.stomp.StompFrameHandler;
import org.springframework.messaging.simp.stomp.StompHeaders;
import org.springframework.messaging.simp.stomp.StompSession;
import org.springframework.messaging.simp.stomp.StompSessionHandlerAdapter;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.util.MimeTypeUtils;
import org.springframework.web.socket.WebSocketHttpHeaders;
import org.springframework.web.socket.client.standard.StandardWebSocketClient;
import org.springframework.web.socket.messaging.WebSocketStompClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** A STOMP client on Spring's {@link WebSocketStompClient}, as a Java or browser app connects. */
public final class StompTestClient implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofSeconds(15);

    private static final WebSocketStompClient CLIENT = newClient();

    private static final AtomicInteger IDS = new AtomicInteger();

    private final StompSession session;

    private final Events events;

    private StompTestClient(StompSession session, Events events) {
        this.session = session;
        this.events = events;
    }

    public static StompTestClient connect(int port, String token) {
        StompHeaders headers = new StompHeaders();
        headers.add("Authorization", "Bearer " + token);
        Events events = new Events();
        try {
            StompSession session = CLIENT.connectAsync("ws://localhost:{port}/ws", new WebSocketHttpHeaders(), headers,
                    events, port).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return new StompTestClient(session, events);
        }
        catch (Exception ex) {
            throw new IllegalStateException("could not connect; ERROR frames: " + events.errors, ex);
        }
    }

    /** A CONNECT that must be refused: returns the ERROR frame's message, after checking the server closed. */
    public static String refusedConnect(int port, StompHeaders headers) {
        Events events = new Events();
        CLIENT.connectAsync("ws://localhost:{port}/ws", new WebSocketHttpHeaders(), headers, events, port);
        return events.expectErrorAndClose();
    }

    /** A CONNECT with a valid token that must still be refused (the broker is away, say). */
    public static String refusedConnectWithToken(int port, String token) {
        StompHeaders headers = new StompHeaders();
        headers.add("Authorization", "Bearer " + token);
        return refusedConnect(port, headers);
    }

    /** Subscribes and waits for the broker's RECEIPT, so that the subscription is live on return. */
    public Inbox subscribe(String destination) {
        Inbox inbox = new Inbox(events);
        StompHeaders headers = subscribeHeaders(destination);
        CompletableFuture<Void> receipt = new CompletableFuture<>();
        StompSession.Subscription subscription = session.subscribe(headers, inbox);
        subscription.addReceiptTask(() -> receipt.complete(null));
        subscription.addReceiptLostTask(() -> receipt.completeExceptionally(new AssertionError("no RECEIPT for SUBSCRIBE " + destination)));
        inbox.subscription = subscription;
        await(receipt);
        return inbox;
    }

    /** A SUBSCRIBE that must be refused: returns the ERROR frame's message, after checking the server closed. */
    public String refusedSubscribe(String destination) {
        session.subscribe(subscribeHeaders(destination), new Inbox(events));
        return events.expectErrorAndClose();
    }

    /** SEND with a receipt header; the future completes when the RECEIPT arrives. */
    public CompletableFuture<Void> send(String destination, String body, String receiptId) {
        StompHeaders headers = new StompHeaders();
        headers.setDestination(destination);
        headers.setContentType(MimeTypeUtils.APPLICATION_JSON);
        CompletableFuture<Void> receipt = new CompletableFuture<>();
        if (receiptId != null) {
            headers.setReceipt(receiptId);
        }
        StompSession.Receiptable receiptable = session.send(headers, body);
        if (receiptId != null) {
            receiptable.addReceiptTask(() -> receipt.complete(null));
            receiptable.addReceiptLostTask(() -> receipt.completeExceptionally(new AssertionError("no RECEIPT " + receiptId)));
        }
        return receipt;
    }

    public void sendWithoutReceipt(String destination, String body) {
        send(destination, body, null);
    }

    /** The next ERROR frame's message; the server must close the connection after it. */
    public String expectErrorAndClose() {
        return events.expectErrorAndClose();
    }

    public boolean isConnected() {
        return session.isConnected();
    }

    @Override
    public void close() {
        if (session.isConnected()) {
            session.disconnect();
        }
    }

    public static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
        catch (Exception ex) {
            throw new AssertionError("not completed in " + TIMEOUT + ": " + ex, ex);
        }
    }

    private static StompHeaders subscribeHeaders(String destination) {
        StompHeaders headers = new StompHeaders();
        headers.setDestination(destination);
        headers.setId("sub-" + IDS.incrementAndGet());
        headers.setReceipt("subscribed-" + IDS.incrementAndGet());
        return headers;
    }

    private static WebSocketStompClient newClient() {
        // like a browser, take whole messages of any size (Tomcat's client would close at 8 KiB)
        WebSocketContainer container = ContainerProvider.getWebSocketContainer();
        container.setDefaultMaxTextMessageBufferSize(256 * 1024);
        WebSocketStompClient client = new WebSocketStompClient(new StandardWebSocketClient(container));
        client.setMessageConverter(new Utf8Converter());
        client.setInboundMessageSizeLimit(256 * 1024);
        ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
        scheduler.setDaemon(true);
        scheduler.initialize();
        client.setTaskScheduler(scheduler);
        client.setReceiptTimeLimit(TIMEOUT.toMillis());
        return client;
    }

    /** JSON events received on one subscription. */
    public static final class Inbox implements StompFrameHandler {

        private final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();

        private final BlockingQueue<StompHeaders> headers = new LinkedBlockingQueue<>();

        private StompSession.Subscription subscription;

        /** The connection this subscription is on: what a timeout reports about it. */
        private final Events connection;

        private Inbox(Events connection) {
            this.connection = connection;
        }

        @Override
        public Type getPayloadType(StompHeaders headers) {
            return String.class;
        }

        @Override
        public void handleFrame(StompHeaders frameHeaders, Object payload) {
            headers.add(frameHeaders);
            received.add(Api.parse((String) payload));
        }

        public JsonNode next() {
            try {
                JsonNode event = received.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                if (event == null) {
                    fail("no event within " + TIMEOUT + "; " + connection.describe());
                }
                return event;
            }
            catch (InterruptedException ex) {
                throw new IllegalStateException(ex);
            }
        }

        /** The next event of this type, skipping others (JOIN / LEAVE of other tests' users, say). */
        public JsonNode next(String type) {
            return next(event -> type.equals(event.path("type").asString()));
        }

        public JsonNode next(Predicate<JsonNode> wanted) {
            return next(wanted, TIMEOUT);
        }

        public JsonNode next(Predicate<JsonNode> wanted, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                while (System.nanoTime() < deadline) {
                    JsonNode event = received.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (event != null && wanted.test(event)) {
                        return event;
                    }
                }
            }
            catch (InterruptedException ex) {
                throw new IllegalStateException(ex);
            }
            throw new AssertionError("no matching event within " + timeout + "; " + connection.describe());
        }

        /**
         * Every event received up to and including the first that {@code fence} accepts; fails if none does within
         * {@link #TIMEOUT}. A check that something did NOT happen waits for a fence instead of a quiet second: an event
         * caused after the action and known to reach this subscription after anything the action would have sent it
         * (a room's events reach each subscriber in the order one instance published them). Once the fence is here,
         * whatever came before it is all the action sent, on any machine, however slow.
         */
        public List<JsonNode> until(Predicate<JsonNode> fence) {
            List<JsonNode> events = new ArrayList<>();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            try {
                while (true) {
                    long left = deadline - System.nanoTime();
                    JsonNode event = left > 0 ? received.poll(left, TimeUnit.NANOSECONDS) : null;
                    if (event == null) {
                        throw new AssertionError("no fence event within " + TIMEOUT + "; received before: " + events + "; "
                                + connection.describe());
                    }
                    events.add(event);
                    if (fence.test(event)) {
                        return events;
                    }
                }
            }
            catch (InterruptedException ex) {
                throw new IllegalStateException(ex);
            }
        }

        /** Every event that arrives until none has come for {@code quiet}. */
        public List<JsonNode> drain(Duration quiet) {
            List<JsonNode> events = new ArrayList<>();
            try {
                JsonNode event;
                while ((event = received.poll(quiet.toMillis(), TimeUnit.MILLISECONDS)) != null) {
                    events.add(event);
                }
            }
            catch (InterruptedException ex) {
                throw new IllegalStateException(ex);
            }
            return events;
        }

        public StompHeaders lastHeaders() {
            StompHeaders last = null;
            for (StompHeaders h : headers) {
                last = h;
            }
            return last;
        }

        /** The headers of every frame received so far, in the order they came. */
        public List<StompHeaders> allHeaders() {
            return List.copyOf(headers);
        }

        public void unsubscribe() {
            subscription.unsubscribe();
        }
    }

    /** Records ERROR frames and the end of the connection. */
    private static final class Events extends StompSessionHandlerAdapter {

        private final BlockingQueue<StompHeaders> errors = new LinkedBlockingQueue<>();

        private final CompletableFuture<Throwable> closed = new CompletableFuture<>();

        /** Every ERROR frame, kept for {@link #describe()} (the queue above is taken from). */
        private final List<StompHeaders> allErrors = new CopyOnWriteArrayList<>();

        @Override
        public void handleFrame(StompHeaders headers, Object payload) {
            errors.add(headers);
            allErrors.add(headers);
        }

        /** Whether the connection is still open, and the ERROR frames it got: what a test's timeout needs to say. */
        String describe() {
            return (closed.isDone() ? "connection closed (" + closed.getNow(null) + ")" : "connection open")
                    + ", ERROR frames: " + allErrors;
        }

        @Override
        public Type getPayloadType(StompHeaders headers) {
            return String.class;
        }

        @Override
        public void handleTransportError(StompSession session, Throwable exception) {
            closed.complete(exception);
        }

        String expectErrorAndClose() {
            try {
                StompHeaders error = errors.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                assertThat(error).as("an ERROR frame").isNotNull();
                await(closed);
                return error.getFirst("message");
            }
            catch (InterruptedException ex) {
                throw new IllegalStateException(ex);
            }
        }
    }

    /** Frames as UTF-8 text both ways, whatever their content-type (the server speaks JSON). */
    private static final class Utf8Converter implements MessageConverter {

        @Override
        public Object fromMessage(Message<?> message, Class<?> targetClass) {
            return new String((byte[]) message.getPayload(), StandardCharsets.UTF_8);
        }

        @Override
        public Message<?> toMessage(Object payload, MessageHeaders headers) {
            return MessageBuilder.createMessage(((String) payload).getBytes(StandardCharsets.UTF_8), headers);
        }
    }
}
