package io.talkwire.stomp;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import org.springframework.messaging.Message;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.messaging.SessionConnectedEvent;
import org.springframework.web.socket.messaging.SessionDisconnectEvent;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectingSessionsTest {

    private final ConnectingSessions sessions = new ConnectingSessions();

    @Test
    void aWaiterWakesWhenItsSessionIsConnected() throws Exception {
        sessions.connecting("s1");
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(
                () -> sessions.awaitConnected("s1", Duration.ofSeconds(10)));
        sessions.connected(new SessionConnectedEvent(this, frame(StompCommand.CONNECTED, "s1")));
        assertThat(waiter.get()).isTrue();
        assertThat(sessions.awaitConnected("s1", Duration.ZERO)).isTrue(); // connected before: at once
    }

    /** A session that ends before it is connected (its broker refused it) frees its waiter at once, not after the wait. */
    @Test
    void aWaiterWakesWhenItsSessionEndsFirst() throws Exception {
        sessions.connecting("s2");
        long started = System.nanoTime();
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(
                () -> sessions.awaitConnected("s2", Duration.ofSeconds(30)));
        sessions.ended(new SessionDisconnectEvent(this, frame(StompCommand.DISCONNECT, "s2"), "s2", CloseStatus.NORMAL));
        assertThat(waiter.get()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aSessionStillConnectingAfterTheWaitIsNotConnected() {
        sessions.connecting("s3");
        assertThat(sessions.awaitConnected("s3", Duration.ofMillis(20))).isFalse();
        sessions.connected(new SessionConnectedEvent(this, frame(StompCommand.CONNECTED, "s3")));
        assertThat(sessions.awaitConnected("s3", Duration.ZERO)).isTrue();
    }

    private static Message<byte[]> frame(StompCommand command, String sessionId) {
        StompHeaderAccessor headers = StompHeaderAccessor.create(command);
        headers.setSessionId(sessionId);
        return MessageBuilder.createMessage(new byte[0], headers.getMessageHeaders());
    }
}
