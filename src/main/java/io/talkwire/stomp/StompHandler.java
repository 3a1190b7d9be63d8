package io.talkwire.stomp;

import java.security.Principal;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.talkwire.RateLimiter;
import io.talkwire.TalkwireProperties;
import io.talkwire.TalkwireProperties.Limits;
import io.talkwire.auth.TokenGenerations;
import io.talkwire.chat.SendsInFlight;
import io.talkwire.delivery.Receipts;
import io.talkwire.delivery.RoomRoutes;
import io.talkwire.delivery.RoomSubscriptions;
import io.talkwire.room.RoomService;
import org.jspecify.annotations.Nullable;

import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.simp.user.SimpSession;
import org.springframework.messaging.simp.user.SimpSubscription;
import org.springframework.messaging.simp.user.SimpUser;
import org.springframework.messaging.simp.user.SimpUserRegistry;
import org.springframework.messaging.support.ChannelInterceptor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.messaging.support.MessageHeaderAccessor;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtValidationException;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.stereotype.Component;

/**
 * The gate of every client frame: CONNECT must carry a valid token, only the contract's destinations pass,
 * a room topic only for users who may read the room. A refused frame goes no further (nothing of it reaches
 * RabbitMQ): the client gets an ERROR frame saying why ({@link StompErrorHandler}), and the connection is closed. Room
 * subscriptions, unsubscriptions and disconnects begin and end {@link RoomSubscriptions} (presence, JOIN / LEAVE, and
 * the fan-out mode's own part). Fitted to the inbound channel by {@link InboundGate}.
 */
@Component
class StompHandler implements ChannelInterceptor {

    private static final Pattern ROOM_TOPIC = Pattern.compile(Pattern.quote(RoomRoutes.TOPIC_PREFIX) + "(\\d{1,18})");

    /** A message ({@code .send}), committed, or a typing notice ({@code .typing}), published at once. */
    private static final Pattern ROOM_SEND = Pattern.compile("/app/rooms\\.\\d{1,18}\\.(send|typing)");

    /** A second CONNECT on one connection, whoever notices it first (this handler, or Spring before it). */
    static final String ALREADY_CONNECTED = "already connected: one CONNECT per connection";

    /**
     * How long a SUBSCRIBE written right behind its CONNECT waits for the session to be connected: known to the user
     * registry (its subscription ids and their count) and, in {@code broker} mode, to RabbitMQ (the relay drops a
     * client's frames until then). Both hold once the CONNECTED frame is on its way to the client.
     */
    static final Duration CONNECTED_WAIT = Duration.ofSeconds(10);

    static final String SUBSCRIBE_BEFORE_CONNECTED = "SUBSCRIBE before CONNECTED: the session was not connected within "
            + CONNECTED_WAIT.toSeconds() + " s";

    private static final Set<String> PERSONAL_QUEUES = Set.of("/user/queue/events", "/user/queue/errors");

    /**
     * RabbitMQ acts on SUBSCRIBE headers such as durable, auto-delete, x-queue-name and prefetch-count; a client
     * could leave durable queues behind or bind a queue of its choosing. Only STOMP's own headers pass.
     */
    private static final Set<String> SUBSCRIBE_HEADERS = Set.of("id", "destination", "ack", "receipt");

    /** RabbitMQ's STOMP plugin takes subscription ids up to this length (a longer one fails inside it). */
    static final int MAX_SUBSCRIPTION_ID = 255;

    private static final byte[] HEARTBEAT = {'\n'};

    /**
     * SUBSCRIBEs a session may send each second, after a burst as large as its subscription limit: in {@code broker}
     * mode each is a queue RabbitMQ declares, binds and later deletes, on the session's relay connection, where a
     * client subscribing and unsubscribing by the thousand would keep RabbitMQ busy for everyone.
     */
    static final int SUBSCRIBES_PER_SECOND = 10;

    private final JwtDecoder jwtDecoder;

    private final RoomService rooms;

    private final RoomSubscriptions subscriptions;

    private final SimpUserRegistry users;

    private final SessionsPerUser sessions;

    private final SessionEnds sessionEnds;

    private final Receipts receipts;

    private final Limits limits;

    private final SendsInFlight sendsInFlight;

    private final RateLimiter subscribesPerSession;

    StompHandler(JwtDecoder jwtDecoder, RoomService rooms, RoomSubscriptions subscriptions, SimpUserRegistry users,
            SessionsPerUser sessions, SessionEnds sessionEnds, Receipts receipts, TalkwireProperties properties,
            SendsInFlight sendsInFlight) {
        this.jwtDecoder = jwtDecoder;
        this.rooms = rooms;
        this.subscriptions = subscriptions;
        this.users = users;
        this.sessions = sessions;
        this.sessionEnds = sessionEnds;
        this.receipts = receipts;
        this.limits = properties.limits();
        this.sendsInFlight = sendsInFlight;
        this.subscribesPerSession = new RateLimiter(SUBSCRIBES_PER_SECOND, limits.subscriptionsPerSession());
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
            case SUBSCRIBE -> {
                return subscribe(message, frame, liveUser(frame));
            }
            case SEND -> {
                liveUser(frame);
                if (frame.getDestination() == null || !ROOM_SEND.matcher(frame.getDestination()).matches()) {
                    throw new StompRejectedException(
                            "SEND is allowed only to /app/rooms.{roomId}.send and /app/rooms.{roomId}.typing");
                }
                if (isMessage(frame)) {
                    sendsInFlight.started(); // until afterSendCompletion, which follows every preSend that returns
                }
            }
            case UNSUBSCRIBE -> {
                return unsubscribe(message, frame, liveUser(frame));
            }
            case ACK, NACK -> liveUser(frame);
            case DISCONNECT -> { }
            default -> throw new StompRejectedException(command + " is not supported");
        }
        return message;
    }

    @Override
    public void afterSendCompletion(Message<?> message, MessageChannel channel, boolean sent, @Nullable Exception ex) {
        StompHeaderAccessor frame = MessageHeaderAccessor.getAccessor(message, StompHeaderAccessor.class);
        if (frame != null && frame.getCommand() == StompCommand.SEND) {
            if (isMessage(frame)) {
                sendsInFlight.handled(); // the inbound channel runs its handlers on this thread: handed to the commit
            }
            return;
        }
        if (frame == null || frame.getCommand() == null || frame.getSessionId() == null) {
            return;
        }
        String sessionId = frame.getSessionId();
        switch (frame.getCommand()) {
            case CONNECT, STOMP -> {
                if (sent && ex == null && frame.getUser() instanceof JwtAuthenticationToken) {
                    subscriptions.connected(sessionId);
                }
                else {
                    sessionEnds.disconnected(sessionId); // on record since its preSend
                }
            }
            case DISCONNECT -> {
                sessionEnds.disconnected(sessionId);
                sessions.ended(sessionId);
                subscriptions.disconnected(sessionId);
            }
            default -> { }
        }
    }

    private void connect(StompHeaderAccessor frame) {
        if (frame.getUser() != null) {
            throw new StompRejectedException(ALREADY_CONNECTED);
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
            throw new StompRejectedException(reason(invalid));
        }
        catch (JwtException malformed) {
            throw new StompRejectedException("the access token is malformed or not signed by Talkwire");
        }
        if (!sessions.tryCount(jwt.getSubject(), frame.getSessionId(), limits.sessionsPerUser())) {
            throw new StompRejectedException("too many sessions: at most " + limits.sessionsPerUser() + " per user");
        }
        frame.setUser(new JwtAuthenticationToken(jwt, List.of(), jwt.getSubject()));
        // live from the moment Spring holds the user for the session's next frames, which may be handled at once on
        // another thread (SockJS's HTTP transports)
        sessionEnds.connected(frame.getSessionId(), jwt);
    }

    private Message<?> subscribe(Message<?> message, StompHeaderAccessor frame, Principal user) {
        String destination = frame.getDestination();
        String subscriptionId = frame.getSubscriptionId();
        if (destination == null || subscriptionId == null) {
            throw new StompRejectedException("SUBSCRIBE needs the headers destination and id");
        }
        if (subscriptionId.isEmpty() || subscriptionId.length() > MAX_SUBSCRIPTION_ID) {
            throw new StompRejectedException("a subscription id must be 1 to " + MAX_SUBSCRIPTION_ID + " characters");
        }
        String ack = frame.getFirstNativeHeader("ack");
        if (ack != null && !"auto".equals(ack)) {
            throw new StompRejectedException("only ack:auto is supported");
        }
        SimpSession session = connectedSession(user, frame.getSessionId());
        if (session == null) {
            throw new StompRejectedException(SUBSCRIBE_BEFORE_CONNECTED);
        }
        if (subscription(session, subscriptionId) != null) {
            // as RabbitMQ does: a reused id would leave the first subscription live but forgotten
            throw idInUse(subscriptionId);
        }
        if (session.getSubscriptions().size() >= limits.subscriptionsPerSession()) {
            throw new StompRejectedException(
                    "too many subscriptions: at most " + limits.subscriptionsPerSession() + " per session");
        }
        if (!subscribesPerSession.tryAcquire(frame.getSessionId())) {
            throw new StompRejectedException("too many SUBSCRIBE frames: at most " + SUBSCRIBES_PER_SECOND
                    + " a second after the first " + limits.subscriptionsPerSession());
        }
        frame.toNativeHeaderMap().keySet().stream()
            .filter(header -> !SUBSCRIBE_HEADERS.contains(header))
            .toList()
            .forEach(frame::removeNativeHeader);
        // the queue RabbitMQ makes for a relayed subscription belongs to the session's connection alone (its STOMP
        // plugin makes /exchange/ queues shared before RabbitMQ 4), and goes with it
        frame.setNativeHeader("exclusive", "true");
        Matcher room = ROOM_TOPIC.matcher(destination);
        if (room.matches()) {
            long roomId = Long.parseLong(room.group(1));
            if (!rooms.canRead(roomId, user.getName())) {
                throw new StompRejectedException("no room " + roomId + " that you may read");
            }
            switch (subscriptions.subscribe(frame.getSessionId(), subscriptionId, roomId, user.getName())) {
                case STARTED -> { }
                case NOT_READABLE -> throw new StompRejectedException("no room " + roomId + " that you may read");
                case ID_IN_USE -> throw idInUse(subscriptionId);
            }
            if (subscriptions.relayed()) {
                frame.setDestination(RoomRoutes.relayedSubscription(roomId));
            }
            else {
                // served by this instance; the relay ignores /topic/rooms.*, so the RECEIPT is ours to send
                receipts.answer(frame);
            }
        }
        else if (!PERSONAL_QUEUES.contains(destination)) {
            throw new StompRejectedException(
                    "SUBSCRIBE is allowed only to /topic/rooms.{roomId}, /user/queue/events and /user/queue/errors");
        }
        return message;
    }

    /**
     * A room subscription ends here first (presence, delivery); the relay carries the UNSUBSCRIBE to RabbitMQ only if
     * RabbitMQ holds the subscription, that is, in broker mode and unless it was revoked (and so ended there) before.
     */
    private Message<?> unsubscribe(Message<?> message, StompHeaderAccessor frame, Principal user) {
        String subscriptionId = frame.getSubscriptionId();
        if (subscriptionId == null) {
            throw new StompRejectedException("UNSUBSCRIBE needs the header id");
        }
        SimpSession session = session(user, frame.getSessionId());
        SimpSubscription subscription = session == null ? null : subscription(session, subscriptionId);
        if (subscription == null) {
            throw new StompRejectedException("no subscription with id '" + subscriptionId + "' in this session");
        }
        if (!subscriptions.isRoomSubscription(frame.getSessionId(), subscriptionId)) {
            return message;
        }
        if (subscriptions.unsubscribe(frame.getSessionId(), subscriptionId) && subscriptions.relayed()) {
            return message;
        }
        receipts.answer(frame);
        return ignoredByTheRelay(frame.getSessionId());
    }

    /**
     * The session once it is connected, waited for up to {@link #CONNECTED_WAIT} (on the thread that read the frame,
     * which holds up only this session's later frames, in order); null if it never was.
     */
    private @Nullable SimpSession connectedSession(Principal user, @Nullable String sessionId) {
        long deadline = System.nanoTime() + CONNECTED_WAIT.toNanos();
        SimpSession session = session(user, sessionId);
        while (session == null && System.nanoTime() < deadline) {
            try {
                Thread.sleep(2);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return null;
            }
            session = session(user, sessionId);
        }
        return session;
    }

    private @Nullable SimpSession session(Principal user, @Nullable String sessionId) {
        SimpUser simpUser = users.getUser(user.getName());
        return simpUser == null || sessionId == null ? null : simpUser.getSession(sessionId);
    }

    private static StompRejectedException idInUse(String subscriptionId) {
        return new StompRejectedException("subscription id '" + subscriptionId + "' is already in use in this session");
    }

    private static @Nullable SimpSubscription subscription(SimpSession session, String subscriptionId) {
        return session.getSubscriptions().stream().filter(s -> s.getId().equals(subscriptionId)).findFirst().orElse(null);
    }

    /** Stands in for a frame that must not reach RabbitMQ: the relay forwards it as a heart-beat. */
    private static Message<?> ignoredByTheRelay(@Nullable String sessionId) {
        StompHeaderAccessor heartbeat = StompHeaderAccessor.createForHeartbeat();
        heartbeat.setSessionId(sessionId);
        return MessageBuilder.createMessage(HEARTBEAT, heartbeat.getMessageHeaders());
    }

    /** Why a well-formed token of ours is refused: expired (refresh it), signed out everywhere, or otherwise. */
    private static String reason(JwtValidationException invalid) {
        List<String> problems = invalid.getErrors().stream().map(OAuth2Error::getDescription).filter(Objects::nonNull).toList();
        if (problems.stream().anyMatch(problem -> problem.contains("expired"))) {
            return SessionEnds.EXPIRED;
        }
        return problems.contains(TokenGenerations.SIGNED_OUT) ? SessionEnds.SIGNED_OUT : "the access token is not valid";
    }

    /**
     * A SEND that goes to the group commit; a typing notice does not, and counted in flight it would only make
     * committers wait for it.
     */
    private static boolean isMessage(StompHeaderAccessor frame) {
        String destination = frame.getDestination();
        return destination != null && destination.endsWith(".send");
    }

    /**
     * The frame's user, while its session lives. Spring keeps a session's user until its socket closes, and a client
     * may keep the socket open after its DISCONNECT (which needs no RECEIPT): its frames would still pass, as would
     * those of a session whose token expired or whose user signed out everywhere, in the moment before the ERROR that
     * ends it closes the socket.
     */
    private Principal liveUser(StompHeaderAccessor frame) {
        Principal user = frame.getUser();
        if (user == null) {
            throw new StompRejectedException("CONNECT first");
        }
        if (frame.getSessionId() == null || !sessionEnds.isLive(frame.getSessionId())) {
            throw new StompRejectedException(sessionEnds.whyEnded(user));
        }
        return user;
    }
}
