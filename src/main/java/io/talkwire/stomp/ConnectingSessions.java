package io.talkwire.stomp;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;

import org.springframework.context.event.EventListener;
import org.springframework.messaging.simp.SimpAttributes;
import org.springframework.messaging.simp.SimpMessageHeaderAccessor;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.messaging.SessionConnectedEvent;

/**
 * This instance's STOMP sessions between their accepted CONNECT and their CONNECTED frame. A SUBSCRIBE that a client
 * writes right behind its CONNECT waits here ({@link StompHandler}) until the session is connected, or has ended,
 * without polling: sessions whose broker never answers cost nothing but the waiting threads.
 */
@Component
class ConnectingSessions {

    private final Map<String, CompletableFuture<Boolean>> connecting = new ConcurrentHashMap<>();

    /**
     * The session's CONNECT was accepted, on its way to the relay. It stays connecting until it is connected or ends
     * (a callback of the session's attributes, which cannot be registered once it has ended: nothing is left behind).
     */
    void connecting(StompHeaderAccessor connect) {
        String sessionId = connect.getSessionId();
        Map<String, Object> attributes = connect.getSessionAttributes();
        if (sessionId == null || attributes == null) {
            return;
        }
        connecting.put(sessionId, new CompletableFuture<>());
        try {
            new SimpAttributes(sessionId, attributes).registerDestructionCallback(ConnectingSessions.class.getName(),
                    () -> ended(sessionId));
        }
        catch (IllegalStateException alreadyEnded) {
            ended(sessionId);
        }
    }

    @EventListener
    void connected(SessionConnectedEvent event) {
        settle(SimpMessageHeaderAccessor.getSessionId(event.getMessage().getHeaders()), true);
    }

    /** The session ended, connected or not. */
    void ended(String sessionId) {
        settle(sessionId, false);
    }

    private void settle(@Nullable String sessionId, boolean connected) {
        CompletableFuture<Boolean> waiting = sessionId == null ? null : connecting.remove(sessionId);
        if (waiting != null) {
            waiting.complete(connected);
        }
    }

    /**
     * Whether the session is connected: at once if it is not connecting (connected before, or never accepted); false
     * if it ended first, or is still connecting after {@code max}.
     */
    boolean awaitConnected(String sessionId, Duration max) {
        CompletableFuture<Boolean> waiting = connecting.get(sessionId);
        if (waiting == null) {
            return true;
        }
        try {
            return waiting.get(max.toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (TimeoutException | ExecutionException notConnected) {
            return false;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
