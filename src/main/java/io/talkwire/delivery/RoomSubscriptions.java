package io.talkwire.delivery;

import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.talkwire.StripedLocks;
import io.talkwire.presence.PresenceService;
import io.talkwire.room.RoomService;
import io.talkwire.room.RoomService.Reader;

import org.springframework.stereotype.Service;

/**
 * The life of every room subscription on this instance, in one place: what is live here (the authority for
 * revocations and UNSUBSCRIBE), presence (who is online where, JOIN and LEAVE) and delivery (the fan-out mode in use)
 * begin and end together. A subscription ends once, whoever ends it first: the client, a revocation, or the session's
 * end. The steps for one session never interleave (a lock per session, striped).
 */
@Service
public class RoomSubscriptions {

    private final PresenceService presence;

    private final RoomDelivery delivery;

    private final RoomService rooms;

    private final RoomOrder order;

    /** This instance's sessions that hold or held a room subscription. */
    private final Map<String, Held> sessions = new ConcurrentHashMap<>();

    private final StripedLocks locks = new StripedLocks();

    RoomSubscriptions(PresenceService presence, RoomDelivery delivery, RoomService rooms, RoomOrder order,
            MeterRegistry meters) {
        this.presence = presence;
        this.delivery = delivery;
        this.rooms = rooms;
        this.order = order;
        Gauge.builder("talkwire.subscriptions", sessions,
                    bySession -> bySession.values().stream().mapToInt(held -> held.live.size()).sum())
            .description("live room subscriptions (/topic/rooms.{id}) of this instance's STOMP sessions")
            .register(meters);
    }

    /** Whether the relay carries room SUBSCRIBE and UNSUBSCRIBE frames to RabbitMQ (which then RECEIPTs them). */
    public boolean relayed() {
        return delivery.relaysSubscriptions();
    }

    /** A STOMP session of this instance began (it holds no subscription yet). */
    public void connected(String sessionId) {
        presence.connected(sessionId);
    }

    /** How {@link #subscribe} ended. */
    public enum Subscribed {
        STARTED,
        /** The user may no longer read the room once the subscription counts, or the session has ended meanwhile. */
        NOT_READABLE,
        /** The session already holds a room subscription of that id (live, or revoked and not yet unsubscribed). */
        ID_IN_USE
    }

    /**
     * Begins a subscription, counted before it starts: once its RECEIPT arrives, onlineCount includes it. Leaves
     * nothing behind unless it started: not when the user may no longer read the room once it counts, or the session
     * has ended meanwhile (a revocation that looked before the subscription counted would otherwise miss it), nor when
     * the id is in use, checked here under the session's lock (frames of one session may come in on several threads,
     * as SockJS's HTTP transports send them, and a second subscription of one id would hide the first).
     */
    public Subscribed subscribe(String sessionId, String subscriptionId, long roomId, String username) {
        Lock lock = locks.of(sessionId);
        lock.lock();
        try {
            // held before readability is read: a revocation from now on finds the session, and waits for its lock
            Held held = sessions.computeIfAbsent(sessionId, id -> new Held(username));
            if (held.live.containsKey(subscriptionId) || held.revoked.contains(subscriptionId)) {
                return Subscribed.ID_IN_USE;
            }
            presence.subscribed(sessionId, subscriptionId, roomId, username);
            Optional<Long> lastSeq = presence.isConnected(sessionId) ? rooms.readableLastSeq(roomId, username)
                    : Optional.empty();
            if (lastSeq.isEmpty()) {
                presence.unsubscribed(sessionId, subscriptionId);
                if (held.live.isEmpty() && held.revoked.isEmpty()) {
                    sessions.remove(sessionId, held);
                }
                return Subscribed.NOT_READABLE;
            }
            held.live.put(subscriptionId, roomId);
            order.subscribed(sessionId, subscriptionId, roomId, lastSeq.get());
            delivery.subscribed(sessionId, subscriptionId, roomId);
            return Subscribed.STARTED;
        }
        finally {
            lock.unlock();
        }
    }

    /** Whether the session's subscription is a room subscription, live or revoked (and not yet unsubscribed). */
    public boolean isRoomSubscription(String sessionId, String subscriptionId) {
        Held held = sessions.get(sessionId);
        return held != null && (held.live.containsKey(subscriptionId) || held.revoked.contains(subscriptionId));
    }

    /**
     * The client's UNSUBSCRIBE of a room subscription. Returns false if it was revoked before: then the relay must not
     * carry it (RabbitMQ ends a session that unsubscribes an id it no longer has).
     */
    public boolean unsubscribe(String sessionId, String subscriptionId) {
        Lock lock = locks.of(sessionId);
        lock.lock();
        try {
            Held held = sessions.get(sessionId);
            Long roomId = held == null ? null : held.live.remove(subscriptionId);
            if (roomId == null) {
                if (held != null) {
                    held.revoked.remove(subscriptionId);
                }
                return false;
            }
            delivery.unsubscribed(sessionId, subscriptionId, roomId);
            order.ended(sessionId, subscriptionId);
            presence.unsubscribed(sessionId, subscriptionId);
            return true;
        }
        finally {
            lock.unlock();
        }
    }

    /**
     * Ends every subscription that {@code username} holds to the room on this instance, whatever their ids: delivery
     * first, then presence, whose LEAVE should not be the last thing the revoked subscriber hears from the room.
     */
    public void revoke(long roomId, String username) {
        sessions.forEach((sessionId, held) -> {
            if (!held.username.equals(username)) {
                return;
            }
            Lock lock = locks.of(sessionId);
            lock.lock();
            try {
                for (String subscriptionId : held.subscriptionsTo(roomId)) {
                    held.live.remove(subscriptionId);
                    held.revoked.add(subscriptionId);
                    delivery.revoke(sessionId, subscriptionId, roomId);
                    order.ended(sessionId, subscriptionId);
                    presence.unsubscribed(sessionId, subscriptionId);
                }
            }
            finally {
                lock.unlock();
            }
        });
    }

    /** Who reads which room through a live subscription on this instance, each once. */
    public Set<Reader> readers() {
        Set<Reader> readers = new HashSet<>();
        for (Held held : sessions.values()) {
            held.live.values().forEach(roomId -> readers.add(new Reader(roomId, held.username)));
        }
        return readers;
    }

    /** Idempotent: DISCONNECT can arrive twice for one session (the frame, then the closed socket). */
    public void disconnected(String sessionId) {
        Lock lock = locks.of(sessionId);
        lock.lock();
        try {
            Held held = sessions.remove(sessionId);
            if (held != null) {
                delivery.disconnected(sessionId, Map.copyOf(held.live));
            }
            order.disconnected(sessionId);
            presence.disconnected(sessionId);
        }
        finally {
            lock.unlock();
        }
    }

    /** A session's live room subscriptions (id to room), and the revoked ids its client has not unsubscribed yet. */
    private static final class Held {

        private final String username;

        private final Map<String, Long> live = new ConcurrentHashMap<>();

        private final Set<String> revoked = ConcurrentHashMap.newKeySet();

        Held(String username) {
            this.username = username;
        }

        Set<String> subscriptionsTo(long roomId) {
            Set<String> ids = new HashSet<>();
            live.forEach((subscriptionId, room) -> {
                if (room == roomId) {
                    ids.add(subscriptionId);
                }
            });
            return ids;
        }
    }
}
