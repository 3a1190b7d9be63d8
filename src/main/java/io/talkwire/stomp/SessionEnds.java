package io.talkwire.stomp;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;

import io.talkwire.auth.TokenGenerations;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.stereotype.Component;

/**
 * Ends STOMP sessions whose sign-in ended: when the access token a session connected with expires, and when its user
 * logged out everywhere. The client gets an ERROR frame saying why, then the connection closes (Spring closes a
 * session after any ERROR frame). Clients refresh their token (or log in again) and reconnect.
 */
@Component
class SessionEnds {

    static final String EXPIRED = "the access token has expired; refresh it (or log in again) and reconnect";

    static final String SIGNED_OUT = "signed out everywhere; log in again";

    private final Map<String, Live> sessions = new ConcurrentHashMap<>();

    private final TaskScheduler scheduler;

    private final MessageChannel clientOutboundChannel;

    private final TokenGenerations generations;

    SessionEnds(@Qualifier("messageBrokerTaskScheduler") TaskScheduler scheduler,
            @Qualifier("clientOutboundChannel") MessageChannel clientOutboundChannel, TokenGenerations generations) {
        this.scheduler = scheduler;
        this.clientOutboundChannel = clientOutboundChannel;
        this.generations = generations;
    }

    /**
     * A session whose token was checked just before its user logged out everywhere would be missed by
     * {@link #signedOut}: once registered, its token is checked again.
     */
    void connected(String sessionId, Jwt token) {
        sessions.put(sessionId, new Live(token.getSubject(),
                scheduler.schedule(() -> end(sessionId, EXPIRED), token.getExpiresAt())));
        if (!generations.isCurrent(token)) {
            end(sessionId, SIGNED_OUT);
        }
    }

    /**
     * Whether the session is connected and has not ended: not after its DISCONNECT, nor once its token expired or its
     * user signed out everywhere (the ERROR that closes it may still be on its way).
     */
    boolean isLive(String sessionId) {
        return sessions.containsKey(sessionId);
    }

    void disconnected(String sessionId) {
        Live live = sessions.remove(sessionId);
        if (live != null) {
            live.expiry().cancel(false);
        }
    }

    /** Ends every session of the user on this instance. */
    void signedOut(String username) {
        sessions.forEach((sessionId, live) -> {
            if (live.username().equals(username)) {
                end(sessionId, SIGNED_OUT);
            }
        });
    }

    private void end(String sessionId, String reason) {
        Live live = sessions.remove(sessionId);
        if (live == null) {
            return;
        }
        live.expiry().cancel(false);
        StompHeaderAccessor error = StompHeaderAccessor.create(StompCommand.ERROR);
        error.setSessionId(sessionId);
        error.setMessage(reason);
        clientOutboundChannel.send(MessageBuilder.createMessage(new byte[0], error.getMessageHeaders()));
    }

    private record Live(String username, ScheduledFuture<?> expiry) {
    }
}
