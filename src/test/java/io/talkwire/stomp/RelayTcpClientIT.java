package io.talkwire.stomp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import io.talkwire.TestServices;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.messaging.Message;
import org.springframework.messaging.simp.stomp.StompBrokerRelayMessageHandler;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.simp.stomp.StompTcpConnectionHandler;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.messaging.tcp.FixedIntervalReconnectStrategy;
import org.springframework.messaging.tcp.ReconnectStrategy;
import org.springframework.messaging.tcp.TcpConnection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The relay's TCP client against RabbitMQ's STOMP plugin: a client session's frames reach the relay in order on the
 * event loop of its connection (no hand-off per frame), the system session's on another thread (handling them may
 * wait for a write on that event loop), shutting down closes every connection, and RabbitMQ's ERROR about a delivery
 * to an ended subscription never reaches the relay.
 */
class RelayTcpClientIT {

    private final RelayTcpClient client = new RelayTcpClient(RelayAddresses.of(
            List.of(TestServices.rabbitHost() + ":" + TestServices.relayPort()), List.of(), TestServices.relayPort()));

    private final String topic = "/exchange/amq.topic/relay-client-it-" + UUID.randomUUID();

    @AfterEach
    void shutDown() throws Exception {
        client.shutdownAsync().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aClientSessionsFramesArriveInOrderOnItsConnectionsEventLoop() throws Exception {
        Session session = connect("client-session-1");
        session.send(StompCommand.SUBSCRIBE, topic, "id", "0", "receipt", "subscribed");
        await().atMost(Duration.ofSeconds(10))
            .until(() -> session.frames.stream().anyMatch(frame -> frame.getCommand() == StompCommand.RECEIPT));
        IntStream.range(0, 200).forEach(i -> session.send(StompCommand.SEND, topic,
                "n", Integer.toString(i)));

        await().atMost(Duration.ofSeconds(10)).until(() -> session.messages().size() == 200);
        assertThat(session.messages()).extracting(frame -> frame.getFirstNativeHeader("n"))
            .containsExactlyElementsOf(IntStream.range(0, 200).mapToObj(Integer::toString).toList());
        assertThat(session.threads).allSatisfy(thread -> assertThat(thread).startsWith("relay-loop"));
        assertThat(Collections.frequency(session.threads, session.threads.getFirst())).isEqualTo(session.threads.size());
    }

    @Test
    void theSystemSessionsFramesAreHandledOffTheEventLoop() throws Exception {
        // as Spring's relay connects it: reconnecting by itself
        Session session = connect(new Session(StompBrokerRelayMessageHandler.SYSTEM_SESSION_ID),
                new FixedIntervalReconnectStrategy(5000));

        assertThat(session.threads).isNotEmpty().allSatisfy(thread -> assertThat(thread).startsWith("relay-system"));
    }

    @Test
    void rabbitMqsErrorAboutADeliveryToAnEndedSubscriptionNeverReachesTheRelay() throws Exception {
        Session subscriber = connect("client-session-subscriber");
        Session publisher = connect("client-session-publisher");
        // messages on their way when their subscription ends: RabbitMQ's STOMP plugin answers each with that ERROR
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int i = 0; client.staleDeliveryErrors() == 0 && System.nanoTime() < deadline; i++) {
            subscriber.send(StompCommand.SUBSCRIBE, topic, "id", "s" + i);
            IntStream.range(0, 150).forEach(n -> publisher.send(StompCommand.SEND, topic));
            subscriber.send(StompCommand.UNSUBSCRIBE, null, "id", "s" + i); // amid the flow
            IntStream.range(0, 150).forEach(n -> publisher.send(StompCommand.SEND, topic));
        }

        await("RabbitMQ's ERROR about a delivery to an ended subscription").atMost(Duration.ofSeconds(10))
            .until(() -> client.staleDeliveryErrors() > 0);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
            .until(() -> subscriber.frames.stream().noneMatch(frame -> frame.getCommand() == StompCommand.ERROR));
    }

    @Test
    void shuttingDownClosesEveryConnection() throws Exception {
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sessions.add(connect("client-session-" + i));
        }

        client.shutdownAsync().get(10, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(5)).until(() -> sessions.stream().allMatch(session -> session.closed.isDone()));
    }

    /** Opens a connection for a session of that id and waits for RabbitMQ's CONNECTED frame. */
    private Session connect(String sessionId) throws Exception {
        return connect(new Session(sessionId), null);
    }

    private Session connect(Session session, ReconnectStrategy reconnect) throws Exception {
        (reconnect == null ? client.connectAsync(session) : client.connectAsync(session, reconnect))
            .get(10, TimeUnit.SECONDS);
        session.connection.get(10, TimeUnit.SECONDS);
        StompHeaderAccessor connect = StompHeaderAccessor.create(StompCommand.CONNECT);
        connect.setLogin("guest");
        connect.setPasscode("guest");
        connect.setAcceptVersion("1.2");
        connect.setHost("/");
        session.connection.join().sendAsync(MessageBuilder.createMessage(new byte[0], connect.getMessageHeaders())).join();
        await().atMost(Duration.ofSeconds(10))
            .until(() -> session.frames.stream().anyMatch(frame -> frame.getCommand() == StompCommand.CONNECTED));
        return session;
    }

    /** What the relay would be for one session: the frames it got, and on which threads. */
    private static final class Session implements StompTcpConnectionHandler<byte[]> {

        private final String sessionId;

        private final CompletableFuture<TcpConnection<byte[]>> connection = new CompletableFuture<>();

        private final CompletableFuture<Void> closed = new CompletableFuture<>();

        private final List<StompHeaderAccessor> frames = new CopyOnWriteArrayList<>();

        private final List<String> threads = new CopyOnWriteArrayList<>();

        Session(String sessionId) {
            this.sessionId = sessionId;
        }

        void send(StompCommand command, @Nullable String destination, String... headers) {
            StompHeaderAccessor frame = StompHeaderAccessor.create(command);
            frame.setDestination(destination);
            for (int i = 0; i < headers.length; i += 2) {
                frame.setNativeHeader(headers[i], headers[i + 1]);
            }
            connection.join().sendAsync(MessageBuilder.createMessage(new byte[0], frame.getMessageHeaders())).join();
        }

        List<StompHeaderAccessor> messages() {
            return frames.stream().filter(frame -> frame.getCommand() == StompCommand.MESSAGE).toList();
        }

        @Override
        public String getSessionId() {
            return sessionId;
        }

        @Override
        public StompHeaderAccessor getConnectHeaders() {
            return StompHeaderAccessor.create(StompCommand.CONNECT);
        }

        @Override
        public void afterConnected(TcpConnection<byte[]> connection) {
            this.connection.complete(connection);
        }

        @Override
        public void afterConnectFailure(Throwable failure) {
            connection.completeExceptionally(failure);
        }

        @Override
        public void handleMessage(Message<byte[]> message) {
            threads.add(Thread.currentThread().getName());
            frames.add(StompHeaderAccessor.wrap(message));
        }

        @Override
        public void handleFailure(Throwable failure) {
        }

        @Override
        public void afterConnectionClosed() {
            closed.complete(null);
        }
    }
}
