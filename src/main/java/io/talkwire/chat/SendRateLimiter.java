package io.talkwire.chat;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.talkwire.TalkwireProperties;

import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.messaging.SessionDisconnectEvent;

/** A token bucket per STOMP session: {@code send-burst} SENDs at once, {@code send-per-second} sustained. */
@Component
class SendRateLimiter {

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    private final double perSecond;

    private final int burst;

    SendRateLimiter(TalkwireProperties properties) {
        this.perSecond = properties.limits().sendPerSecond();
        this.burst = properties.limits().sendBurst();
    }

    boolean tryAcquire(String sessionId) {
        return buckets.computeIfAbsent(sessionId, id -> new Bucket(burst)).tryTake(perSecond, burst);
    }

    @EventListener
    void on(SessionDisconnectEvent event) {
        buckets.remove(event.getSessionId());
    }

    private static final class Bucket {

        private double tokens;

        private long refilledAt = System.nanoTime();

        Bucket(int burst) {
            this.tokens = burst;
        }

        synchronized boolean tryTake(double perSecond, int burst) {
            long now = System.nanoTime();
            tokens = Math.min(burst, tokens + (now - refilledAt) * perSecond / 1e9);
            refilledAt = now;
            if (tokens < 1) {
                return false;
            }
            tokens--;
            return true;
        }
    }
}
