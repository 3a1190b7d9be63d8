package io.talkwire.stomp;

import java.security.Principal;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;

import io.talkwire.auth.TokenGenerations;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
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

    static final String ENDED = "this session has ended (it sent DISCONNECT): connect again";

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
     * On record from its CONNECT on (before anything of it is handled), until it ends. A session whose token was
     * checked just before its user logged out everywhere would be missed by {@link #signedOut}: once registered, its
     * token is checked again.
     */
    void connected(String sessionId, Jwt token) {
        Live live = new Live(token.getSubject());
        sessions.put(sessionId, live); // before the expiry is scheduled: one due at once (clock skew) finds it
        live.expiry = scheduler.schedule(() -> end(sessionId, EXPIRED), token.getExpiresAt());
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

    /** Why a session that is no longer live is refused a frame: the reason it was ended with, if it was. */
    String whyEnded(Principal user) {
        if (user instanceof JwtAuthenticationToken authentication) {
            Jwt token = authentication.getToken();
            if (token.getExpiresAt() != null && !token.getExpiresAt().isAfter(Instant.now())) {
                return EXPIRED;
            }
            if (!generations.isCurrent(token)) {
                return SIGNED_OUT;
            }
        }
        return ENDED;
    }

    void disconnected(String sessionId) {
        Live live = sessions.remove(sessionId);
        if (live != null) {
            live.cancelExpiry();
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
        live.cancelExpiry();
        StompHeaderAccessor error = StompHeaderAccessor.create(StompCommand.ERROR);
        error.setSessionId(sessionId);
        error.setMessage(reason);
        clientOutboundChannel.send(MessageBuilder.createMessage(new byte[0], error.getMessageHeaders()));
    }

    private static final class Live {

        private final String username;

        private volatile @Nullable ScheduledFuture<?> expiry;

        Live(String username) {
            this.username = username;
        }

        String username() {
            return username;
        }

        void cancelExpiry() {
            ScheduledFuture<?> scheduled = expiry;
            if (scheduled != null) {
                scheduled.cancel(false);
            }
        }
    }
}
