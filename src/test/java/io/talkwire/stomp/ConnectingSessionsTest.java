package io.talkwire.stomp;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.messaging.simp.SimpAttributes;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.web.socket.messaging.SessionConnectedEvent;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectingSessionsTest {

    private final ConnectingSessions sessions = new ConnectingSessions();

    @Test
    void aWaiterWakesWhenItsSessionIsConnected() throws Exception {
        sessions.connecting(connect("s1", new ConcurrentHashMap<>()));
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(
                () -> sessions.awaitConnected("s1", Duration.ofSeconds(10)));
        sessions.connected(connected("s1"));
        assertThat(waiter.get()).isTrue();
        assertThat(sessions.awaitConnected("s1", Duration.ZERO)).isTrue(); // connected before: at once
    }

    /** A session that ends before it is connected (its broker refused it) frees its waiter at once, not after the wait. */
    @Test
    void aWaiterWakesWhenItsSessionEndsFirst() {
        Map<String, Object> attributes = new ConcurrentHashMap<>();
        sessions.connecting(connect("s2", attributes));
        long started = System.nanoTime();
        // what Spring does when the WebSocket session ends, a moment after the SUBSCRIBE began to wait
        CompletableFuture.runAsync(() -> new SimpAttributes("s2", attributes).sessionCompleted(),
                CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS));
        assertThat(sessions.awaitConnected("s2", Duration.ofSeconds(30))).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    }

    /** A CONNECT handled as its session ends is not left connecting. */
    @Test
    void aSessionThatEndedBeforeItsConnectIsHandledIsNotLeftConnecting() {
        Map<String, Object> attributes = new ConcurrentHashMap<>();
        new SimpAttributes("s3", attributes).sessionCompleted();
        sessions.connecting(connect("s3", attributes));
        assertThat(sessions.awaitConnected("s3", Duration.ofSeconds(10))).isTrue(); // not connecting: looked up at once
    }

    @Test
    void aSessionStillConnectingAfterTheWaitIsNotConnected() {
        sessions.connecting(connect("s4", new ConcurrentHashMap<>()));
        assertThat(sessions.awaitConnected("s4", Duration.ofMillis(20))).isFalse();
        sessions.connected(connected("s4"));
        assertThat(sessions.awaitConnected("s4", Duration.ZERO)).isTrue();
    }

    private static StompHeaderAccessor connect(String sessionId, Map<String, Object> attributes) {
        StompHeaderAccessor connect = StompHeaderAccessor.create(StompCommand.CONNECT);
        connect.setSessionId(sessionId);
        connect.setSessionAttributes(attributes);
        return connect;
    }

    private SessionConnectedEvent connected(String sessionId) {
        StompHeaderAccessor headers = StompHeaderAccessor.create(StompCommand.CONNECTED);
        headers.setSessionId(sessionId);
        return new SessionConnectedEvent(this, MessageBuilder.createMessage(new byte[0], headers.getMessageHeaders()));
    }
}
