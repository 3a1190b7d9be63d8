package io.talkwire.presence;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.talkwire.room.Broadcaster;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Who is subscribed to which room, on every instance, kept in PostgreSQL. A user JOINs a room with their first
 * subscription to it anywhere and LEAVEs with their last. Changes to one room are serialized by a transaction-scoped
 * advisory lock on the room id, so two tabs subscribing at once on two instances still yield exactly one JOIN.
 */
@Service
public class PresenceService {

    private final JdbcClient jdbc;

    private final TransactionTemplate transactions;

    private final Broadcaster broadcaster;

    private final InstanceLease instance;

    /** STOMP sessions connected to this instance; presence rows of any other session here are left-overs. */
    private final Set<String> liveSessions = ConcurrentHashMap.newKeySet();

    PresenceService(JdbcClient jdbc, TransactionTemplate transactions, Broadcaster broadcaster, InstanceLease instance) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.broadcaster = broadcaster;
        this.instance = instance;
    }

    public void connected(String sessionId) {
        liveSessions.add(sessionId);
    }

    public void subscribed(String sessionId, String subscriptionId, long roomId, String username) {
        PresenceEvent join = transactions.execute(tx -> {
            lockRoom(roomId);
            int inserted = jdbc.sql("""
                    INSERT INTO presence (session_id, subscription_id, instance_id, room_id, username)
                    VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                    """)
                .params(sessionId, subscriptionId, instance.id(), roomId, username)
                .update();
            return inserted == 1 && subscriptionsOf(roomId, username) == 1 ? event("JOIN", roomId, username) : null;
        });
        if (join != null) {
            broadcaster.toRoom(roomId, join);
        }
    }

    public void unsubscribed(String sessionId, String subscriptionId) {
        jdbc.sql("SELECT room_id FROM presence WHERE session_id = ? AND subscription_id = ?")
            .params(sessionId, subscriptionId)
            .query(Long.class)
            .optional()
            .ifPresent(roomId -> remove(roomId, "session_id = ? AND subscription_id = ?", sessionId, subscriptionId));
    }

    /** Idempotent: DISCONNECT can arrive twice for one session (the frame, then the closed socket). */
    public void disconnected(String sessionId) {
        liveSessions.remove(sessionId);
        roomsWhere("session_id = ?", sessionId).forEach(roomId -> remove(roomId, "session_id = ?", sessionId));
    }

    /** The subscriptions that {@code username} holds to the room on this instance. */
    public List<Subscription> localSubscriptions(long roomId, String username) {
        return jdbc.sql("SELECT session_id, subscription_id FROM presence WHERE room_id = ? AND username = ? AND instance_id = ?")
            .params(roomId, username, instance.id())
            .query(Subscription.class)
            .list();
    }

    public record Subscription(String sessionId, String subscriptionId) {
    }

    /** Removes this instance's rows of sessions that ended while their removal failed (the database was down). */
    void reconcile() {
        jdbc.sql("SELECT DISTINCT session_id FROM presence WHERE instance_id = ?")
            .param(instance.id())
            .query(String.class)
            .list()
            .stream()
            .filter(session -> !liveSessions.contains(session))
            .forEach(this::disconnected);
    }

    /** Presence held by an instance that stopped renewing its lease. */
    void instanceGone(String instanceId) {
        roomsWhere("instance_id = ?", instanceId).forEach(roomId -> remove(roomId, "instance_id = ?", instanceId));
    }

    private List<Long> roomsWhere(String condition, String value) {
        return jdbc.sql("SELECT DISTINCT room_id FROM presence WHERE " + condition).param(value).query(Long.class).list();
    }

    /** Removes the matching rows of one room, and announces LEAVE for each user who has none left there. */
    private void remove(long roomId, String condition, Object... values) {
        Object[] params = new Object[values.length + 1];
        params[0] = roomId;
        System.arraycopy(values, 0, params, 1, values.length);
        List<PresenceEvent> leaves = transactions.execute(tx -> {
            lockRoom(roomId);
            List<String> users = jdbc.sql("DELETE FROM presence WHERE room_id = ? AND " + condition + " RETURNING username")
                .params(params)
                .query(String.class)
                .list();
            return users.stream()
                .distinct()
                .filter(user -> subscriptionsOf(roomId, user) == 0)
                .map(user -> event("LEAVE", roomId, user))
                .toList();
        });
        leaves.forEach(leave -> broadcaster.toRoom(roomId, leave));
    }

    private PresenceEvent event(String type, long roomId, String user) {
        long online = jdbc.sql("SELECT count(DISTINCT username) FROM presence WHERE room_id = ?")
            .param(roomId)
            .query(Long.class)
            .single();
        return new PresenceEvent(type, roomId, user, online, Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    private long subscriptionsOf(long roomId, String user) {
        return jdbc.sql("SELECT count(*) FROM presence WHERE room_id = ? AND username = ?")
            .params(roomId, user)
            .query(Long.class)
            .single();
    }

    private void lockRoom(long roomId) {
        jdbc.sql("SELECT 1 FROM pg_advisory_xact_lock(?)").param(roomId).query(Integer.class).single();
    }
}
