package io.talkwire.stomp;

import java.security.Principal;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.talkwire.TalkwireProperties;
import io.talkwire.TalkwireProperties.Limits;
import io.talkwire.chat.SendsInFlight;
import io.talkwire.presence.PresenceService;
import io.talkwire.room.RoomService;
import org.jspecify.annotations.Nullable;

import org.springframework.context.annotation.Lazy;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.simp.user.SimpSession;
import org.springframework.messaging.simp.user.SimpUser;
import org.springframework.messaging.simp.user.SimpUserRegistry;
import org.springframework.messaging.support.ChannelInterceptor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.messaging.support.MessageHeaderAccessor;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtValidationException;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.stereotype.Component;

/**
 * The gate of every client frame: CONNECT must carry a valid token, only PROTOCOL.md's destinations pass,
 * a room topic only for users who may read the room. A refused frame goes no further (nothing of it reaches
 * RabbitMQ): the client gets an ERROR frame saying why ({@link StompErrorHandler}), and the connection is closed. Room subscriptions, unsubscriptions and disconnects
 * become presence changes (JOIN / LEAVE).
 */
@Component
class StompHandler implements ChannelInterceptor {

    private static final Pattern ROOM_TOPIC = Pattern.compile("/topic/rooms\\.(\\d{1,18})");

    private static final Pattern ROOM_SEND = Pattern.compile("/app/rooms\\.\\d{1,18}\\.send");

    private static final Set<String> PERSONAL_QUEUES = Set.of("/user/queue/events", "/user/queue/errors");

    /**
     * RabbitMQ acts on SUBSCRIBE headers such as durable, auto-delete, x-queue-name and prefetch-count; a client
     * could leave durable queues behind or bind a queue of its choosing. Only STOMP's own headers pass.
     */
    private static final Set<String> SUBSCRIBE_HEADERS = Set.of("id", "destination", "ack", "receipt");

    private static final byte[] HEARTBEAT = {'\n'};

    private final JwtDecoder jwtDecoder;

    private final RoomService rooms;

    private final PresenceService presence;

    private final SimpUserRegistry users;

    private final TokenExpiry tokenExpiry;

    private final RoomFanout fanout;

    private final Receipts receipts;

    private final Limits limits;

    private final SendsInFlight sendsInFlight;

    StompHandler(JwtDecoder jwtDecoder, RoomService rooms, PresenceService presence, RoomFanout fanout,
            Receipts receipts, @Lazy SimpUserRegistry users, TokenExpiry tokenExpiry, TalkwireProperties properties,
            SendsInFlight sendsInFlight) {
        this.jwtDecoder = jwtDecoder;
        this.rooms = rooms;
        this.presence = presence;
        this.fanout = fanout;
        this.receipts = receipts;
        this.users = users;
        this.tokenExpiry = tokenExpiry;
        this.limits = properties.limits();
        this.sendsInFlight = sendsInFlight;
    }

    @Override
    public Message<?> preSend(Message<?> message, MessageChannel channel) {
        StompHeaderAccessor frame = MessageHeaderAccessor.getAccessor(message, StompHeaderAccessor.class);
        StompCommand command = frame == null ? null : frame.getCommand();
        if (command == null) {
            return message; // heart-beat
        }
        switch (command) {
            case CONNECT, STOMP -> connect(frame);
            case SUBSCRIBE -> subscribe(frame, user(frame));
            case SEND -> {
                user(frame);
                if (frame.getDestination() == null || !ROOM_SEND.matcher(frame.getDestination()).matches()) {
                    throw new StompRejectedException("SEND is allowed only to /app/rooms.{roomId}.send");
                }
                sendsInFlight.started(); // until afterSendCompletion, which follows every preSend that returns
            }
            case UNSUBSCRIBE -> {
                user(frame);
                String subscriptionId = frame.getSubscriptionId();
                if (subscriptionId != null && fanout.unsubscribe(frame.getSessionId(), subscriptionId)) {
                    // a room subscription, served here: RabbitMQ never knew its id
                    presence.unsubscribed(frame.getSessionId(), subscriptionId);
                    receipts.answer(frame);
                    return ignoredByTheRelay(frame.getSessionId());
                }
            }
            case ACK, NACK -> user(frame);
            case DISCONNECT -> { }
            default -> throw new StompRejectedException(command + " is not supported");
        }
        return message;
    }

    @Override
    public void afterSendCompletion(Message<?> message, MessageChannel channel, boolean sent, @Nullable Exception ex) {
        StompHeaderAccessor frame = MessageHeaderAccessor.getAccessor(message, StompHeaderAccessor.class);
        if (frame != null && frame.getCommand() == StompCommand.SEND) {
            sendsInFlight.handled(); // the inbound channel runs its handlers on this thread: handed to the commit
            return;
        }
        if (frame == null || frame.getCommand() == null || frame.getSessionId() == null) {
            return;
        }
        String sessionId = frame.getSessionId();
        switch (frame.getCommand()) {
            case CONNECT, STOMP -> {
                if (sent && ex == null && frame.getUser() instanceof JwtAuthenticationToken token) {
                    presence.connected(sessionId);
                    tokenExpiry.schedule(sessionId, token.getToken().getExpiresAt());
                }
            }
            case DISCONNECT -> {
                tokenExpiry.cancel(sessionId);
                fanout.disconnected(sessionId);
                presence.disconnected(sessionId);
            }
            default -> { }
        }
    }

    private void connect(StompHeaderAccessor frame) {
        if (frame.getUser() != null) {
            throw new StompRejectedException("this session is already connected");
        }
        String authorization = frame.getFirstNativeHeader("Authorization");
        if (authorization == null) {
            authorization = frame.getFirstNativeHeader("authorization");
        }
        if (authorization == null) {
            throw new StompRejectedException("CONNECT needs the header Authorization: Bearer <accessToken>");
        }
        if (!authorization.startsWith("Bearer ") || authorization.length() == "Bearer ".length()) {
            throw new StompRejectedException("the Authorization header must be 'Bearer <accessToken>'");
        }
        Jwt jwt;
        try {
            jwt = jwtDecoder.decode(authorization.substring("Bearer ".length()).strip());
        }
        catch (JwtValidationException invalid) {
            boolean expired = invalid.getErrors().stream()
                .anyMatch(error -> error.getDescription() != null && error.getDescription().contains("expired"));
            throw new StompRejectedException(expired ? "the access token has expired; log in again"
                    : "the access token is not valid");
        }
        catch (JwtException malformed) {
            throw new StompRejectedException("the access token is malformed or not signed by Talkwire");
        }
        SimpUser user = users.getUser(jwt.getSubject());
        if (user != null && user.getSessions().size() >= limits.sessionsPerUser()) {
            throw new StompRejectedException("too many sessions: at most " + limits.sessionsPerUser() + " per user");
        }
        frame.setUser(new JwtAuthenticationToken(jwt, List.of(), jwt.getSubject()));
    }

    private void subscribe(StompHeaderAccessor frame, Principal user) {
        String destination = frame.getDestination();
        if (destination == null || frame.getSubscriptionId() == null) {
            throw new StompRejectedException("SUBSCRIBE needs the headers destination and id");
        }
        SimpUser simpUser = users.getUser(user.getName());
        SimpSession session = simpUser == null ? null : simpUser.getSession(frame.getSessionId());
        if (session != null && session.getSubscriptions().size() >= limits.subscriptionsPerSession()) {
            throw new StompRejectedException(
                    "too many subscriptions: at most " + limits.subscriptionsPerSession() + " per session");
        }
        Matcher room = ROOM_TOPIC.matcher(destination);
        if (room.matches()) {
            long roomId = Long.parseLong(room.group(1));
            if (!rooms.canRead(roomId, user.getName())) {
                throw new StompRejectedException("no room " + roomId + " that you may read");
            }
            // counted before the subscription begins: once its RECEIPT arrives, onlineCount includes it
            presence.subscribed(frame.getSessionId(), frame.getSubscriptionId(), roomId, user.getName());
            // served by this instance (RoomFanout); the relay ignores /topic/rooms.*, so the RECEIPT is ours to send
            fanout.subscribe(frame.getSessionId(), frame.getSubscriptionId(), roomId);
            receipts.answer(frame);
        }
        else if (!PERSONAL_QUEUES.contains(destination)) {
            throw new StompRejectedException(
                    "SUBSCRIBE is allowed only to /topic/rooms.{roomId}, /user/queue/events and /user/queue/errors");
        }
        frame.toNativeHeaderMap().keySet().stream()
            .filter(header -> !SUBSCRIBE_HEADERS.contains(header))
            .toList()
            .forEach(frame::removeNativeHeader);
    }

    /** Stands in for a frame that must not reach RabbitMQ: the relay forwards it as a heart-beat. */
    private static Message<?> ignoredByTheRelay(@Nullable String sessionId) {
        StompHeaderAccessor heartbeat = StompHeaderAccessor.createForHeartbeat();
        heartbeat.setSessionId(sessionId);
        return MessageBuilder.createMessage(HEARTBEAT, heartbeat.getMessageHeaders());
    }

    private static Principal user(StompHeaderAccessor frame) {
        Principal user = frame.getUser();
        if (user == null) {
            throw new StompRejectedException("CONNECT first");
        }
        return user;
    }
}
