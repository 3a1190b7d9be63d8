package io.talkwire.stomp;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Lazy;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;

/**
 * Ends a STOMP session when the token it connected with expires: an ERROR frame, then the connection closes
 * (Spring closes a session after any ERROR frame). Clients log in again and reconnect with the fresh token.
 */
@Component
class TokenExpiry {

    static final String EXPIRED = "the access token has expired; log in again and reconnect";

    private final Map<String, ScheduledFuture<?>> expiries = new ConcurrentHashMap<>();

    private final TaskScheduler scheduler;

    private final MessageChannel clientOutboundChannel;

    TokenExpiry(@Lazy @Qualifier("messageBrokerTaskScheduler") TaskScheduler scheduler,
            @Lazy @Qualifier("clientOutboundChannel") MessageChannel clientOutboundChannel) {
        this.scheduler = scheduler;
        this.clientOutboundChannel = clientOutboundChannel;
    }

    void schedule(String sessionId, Instant expiresAt) {
        expiries.put(sessionId, scheduler.schedule(() -> expire(sessionId), expiresAt));
    }

    void cancel(String sessionId) {
        ScheduledFuture<?> expiry = expiries.remove(sessionId);
        if (expiry != null) {
            expiry.cancel(false);
        }
    }

    private void expire(String sessionId) {
        if (expiries.remove(sessionId) == null) {
            return;
        }
        StompHeaderAccessor error = StompHeaderAccessor.create(StompCommand.ERROR);
        error.setSessionId(sessionId);
        error.setMessage(EXPIRED);
        clientOutboundChannel.send(MessageBuilder.createMessage(new byte[0], error.getMessageHeaders()));
    }
}
