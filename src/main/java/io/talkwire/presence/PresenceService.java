package io.talkwire.presence;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.talkwire.BatchWorker;
import io.talkwire.ShutdownOrder;
import io.talkwire.ShutdownStep;
import io.talkwire.room.RoomEvent;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Who is subscribed to which room, on every instance, kept in PostgreSQL. A user JOINs a room with their first
 * subscription to it anywhere and LEAVEs with their last. Changes to one room are serialized by a transaction-scoped
 * advisory lock on the room id, so two tabs subscribing at once on two instances still yield exactly one JOIN.
 * <p>
 * Changes queue up and one worker applies them together, one transaction per room, counting the room's online users
 * once per batch rather than once per change: 10,000 sessions leaving a room at once cost a few hundred short
 * transactions that hold one pooled connection, not 10,000 that each wait for the room's lock on a connection of
 * their own while REST requests find the pool empty.
 * <p>
 * JOIN and LEAVE are published as {@link RoomEvent}s once committed. This instance's lease is renewed here, and the
 * presence of instances whose lease ran out is removed (announced as LEAVEs by the survivor that finds them).
 */
@Service
public class PresenceService extends ShutdownStep {

    private static final Logger log = LoggerFactory.getLogger(PresenceService.class);

    private static final int MAX_BATCH = 1000;

    /** Room ids start at 1. */
    private static final long ANY_ROOM = 0;

    private final JdbcClient jdbc;

    private final TransactionTemplate transactions;

    private final ApplicationEventPublisher events;

    private final InstanceLease instance;

    /** Since when every lease renewal succeeded; null after a failed one. */
    private volatile @Nullable Instant healthySince;

    /** STOMP sessions connected to this instance; presence rows of any other session here are left-overs. */
    private final Set<String> liveSessions = ConcurrentHashMap.newKeySet();

    private final BatchWorker<Change> worker;

    PresenceService(JdbcClient jdbc, TransactionTemplate transactions, ApplicationEventPublisher events,
            InstanceLease instance, MeterRegistry meters) {
        super(ShutdownOrder.PRESENCE); // once the sessions are closed, before the links between instances
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.events = events;
        this.instance = instance;
        this.worker = new BatchWorker<>("talkwire-presence", 1, MAX_BATCH, this::applyBatch, Change::done);
        Gauge.builder("talkwire.presence.backlog", worker, BatchWorker::backlog)
            .description("presence changes (subscribe, unsubscribe, disconnect) waiting for the presence worker")
            .register(meters);
    }

    public void connected(String sessionId) {
        liveSessions.add(sessionId);
    }

    /** Returns once the subscription counts (and its JOIN, if any, is published). */
    public void subscribed(String sessionId, String subscriptionId, long roomId, String username) {
        await(submit(new Change(roomId, sessionId, subscriptionId, username)));
    }

    /** Returns once the subscription no longer counts. */
    public void unsubscribed(String sessionId, String subscriptionId) {
        await(submit(Change.leaving(sessionId, subscriptionId)));
    }

    /**
     * Idempotent: DISCONNECT can arrive twice for one session (the frame, then the closed socket). Not awaited, and
     * no database work on the caller's thread: the worker finds the session's rooms, for many sessions at once, so
     * thousands of sessions closing together do not queue for the connection pool ahead of REST requests.
     */
    public void disconnected(String sessionId) {
        liveSessions.remove(sessionId);
        submit(Change.leaving(sessionId, null));
    }

    /** Whether the session is connected here (between {@link #connected} and {@link #disconnected}). */
    public boolean isConnected(String sessionId) {
        return liveSessions.contains(sessionId);
    }

    /**
     * Renews this instance's lease; removes the presence of instances whose lease ran out, and this instance's rows of
     * sessions that ended while their removal failed (the database was down).
     */
    @Scheduled(initialDelay = 5_000, fixedDelay = 5_000)
    void renewAndSweep() {
        try {
            instance.renew();
            Instant now = Instant.now();
            if (healthySince == null) {
                healthySince = now;
            }
            // after a database outage every lease has run out: judge others only once they had a full lease to renew
            if (!healthySince.plus(InstanceLease.LEASE).isAfter(now)) {
                instance.sweepExpired().forEach(this::instanceGone);
            }
            reconcile();
        }
        catch (DataAccessException ex) {
            healthySince = null;
            log.warn("Could not renew the instance lease or sweep dead instances: {}", ex.getMessage());
        }
    }

    private void reconcile() {
        jdbc.sql("SELECT DISTINCT session_id FROM presence WHERE instance_id = ?")
            .param(instance.id())
            .query(String.class)
            .list()
            .stream()
            .filter(session -> !liveSessions.contains(session))
            .forEach(this::disconnected);
    }

    /** Presence held by an instance that stopped renewing its lease; applied at once, on the caller's thread. */
    void instanceGone(String instanceId) {
        applyBatch(jdbc.sql("SELECT DISTINCT room_id, session_id FROM presence WHERE instance_id = ?")
            .param(instanceId)
            .query((rs, row) -> new Change(rs.getLong("room_id"), rs.getString("session_id"), null, null))
            .list());
    }

    /**
     * After the WebSocket sessions are closed (their LEAVEs queued) and before any bean is destroyed: this instance's
     * remaining presence is removed and announced, and its lease released, so nobody waits for it to run out.
     */
    @Override
    protected void shutDown() {
        worker.stop();
        try {
            instanceGone(instance.id());
            instance.release();
        }
        catch (DataAccessException ex) {
            log.warn("Could not release the instance lease: {}", ex.getMessage());
        }
    }

    private CompletableFuture<Void> submit(Change change) {
        worker.submit(change);
        return change.done();
    }

    private void applyBatch(List<Change> batch) {
        Map<String, List<Subscribed>> subscribed = subscribedBefore(batch);
        Map<Long, List<Change>> byRoom = new TreeMap<>();
        for (Change change : batch) {
            if (change.roomId() == ANY_ROOM) {
                Set<Long> rooms = roomsHeld(subscribed, change);
                rooms.forEach(roomId -> byRoom.computeIfAbsent(roomId, id -> new ArrayList<>())
                    .add(new Change(roomId, change.sessionId(), change.subscriptionId(), null, change.done())));
                if (rooms.isEmpty()) {
                    change.done().complete(null);
                }
                continue;
            }
            if (change.username() != null) {
                subscribed.computeIfAbsent(change.sessionId(), id -> new ArrayList<>())
                    .add(new Subscribed(change.subscriptionId(), change.roomId()));
            }
            byRoom.computeIfAbsent(change.roomId(), id -> new ArrayList<>()).add(change);
        }
        byRoom.forEach(this::apply);
    }

    /** The rooms a leaving subscription (or whole session) is in, joins earlier in the batch included. */
    private static Set<Long> roomsHeld(Map<String, List<Subscribed>> subscribed, Change leaving) {
        return subscribed.getOrDefault(leaving.sessionId(), List.of())
            .stream()
            .filter(held -> leaving.subscriptionId() == null || leaving.subscriptionId().equals(held.subscriptionId()))
            .map(Subscribed::roomId)
            .collect(Collectors.toCollection(TreeSet::new));
    }

    /** What the sessions that leave in this batch held before it, in one query. */
    private Map<String, List<Subscribed>> subscribedBefore(List<Change> batch) {
        String[] leaving = batch.stream()
            .filter(change -> change.roomId() == ANY_ROOM)
            .map(Change::sessionId)
            .distinct()
            .toArray(String[]::new);
        Map<String, List<Subscribed>> subscribed = new HashMap<>();
        if (leaving.length > 0) {
            jdbc.sql("SELECT session_id, subscription_id, room_id FROM presence WHERE session_id = ANY(?::varchar[])")
                .param(leaving)
                .query((rs, row) -> subscribed.computeIfAbsent(rs.getString("session_id"), id -> new ArrayList<>())
                    .add(new Subscribed(rs.getString("subscription_id"), rs.getLong("room_id"))))
                .list();
        }
        return subscribed;
    }

    /**
     * One room's changes in one transaction, in order; then their JOIN and LEAVE events. If the transaction fails,
     * each change is tried alone, so that one bad change never fails the others.
     */
    private void apply(long roomId, List<Change> roomChanges) {
        List<PresenceEvent> announced;
        try {
            announced = transactions.execute(tx -> applyLocked(roomId, roomChanges));
        }
        catch (RuntimeException ex) {
            if (roomChanges.size() > 1) {
                roomChanges.forEach(change -> apply(roomId, List.of(change)));
                return;
            }
            log.warn("Could not update presence in room {}: {}", roomId, ex.getMessage());
            roomChanges.forEach(change -> change.done().completeExceptionally(ex));
            return;
        }
        announced.forEach(event -> events.publishEvent(new RoomEvent(roomId, event)));
        roomChanges.forEach(change -> change.done().complete(null));
    }

    private List<PresenceEvent> applyLocked(long roomId, List<Change> roomChanges) {
        jdbc.sql("SELECT 1 FROM pg_advisory_xact_lock(?)").param(roomId).query(Integer.class).single();
        // distinct users online before this batch; each JOIN and LEAVE below moves it by one
        long online = jdbc.sql("SELECT count(DISTINCT username) FROM presence WHERE room_id = ?")
            .param(roomId)
            .query(Long.class)
            .single();
        Map<String, Long> subscriptionsOf = new HashMap<>(); // of the users seen so far, after the changes so far
        List<PresenceEvent> events = new ArrayList<>();
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        for (Change change : roomChanges) {
            if (change.username() != null) {
                int inserted = jdbc.sql("""
                        INSERT INTO presence (session_id, subscription_id, instance_id, room_id, username)
                        VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                        """)
                    .params(change.sessionId(), change.subscriptionId(), instance.id(), roomId, change.username())
                    .update();
                if (inserted == 1 && count(subscriptionsOf, roomId, change.username(), 1) == 1) {
                    events.add(new PresenceEvent("JOIN", roomId, change.username(), ++online, at));
                }
                continue;
            }
            List<String> removed = change.subscriptionId() == null
                    ? jdbc.sql("DELETE FROM presence WHERE room_id = ? AND session_id = ? RETURNING username")
                        .params(roomId, change.sessionId()).query(String.class).list()
                    : jdbc.sql("DELETE FROM presence WHERE room_id = ? AND session_id = ? AND subscription_id = ? RETURNING username")
                        .params(roomId, change.sessionId(), change.subscriptionId()).query(String.class).list();
            Map<String, Long> removedBy = new LinkedHashMap<>();
            removed.forEach(user -> removedBy.merge(user, 1L, Long::sum));
            for (Map.Entry<String, Long> user : removedBy.entrySet()) {
                if (count(subscriptionsOf, roomId, user.getKey(), -user.getValue()) == 0) {
                    events.add(new PresenceEvent("LEAVE", roomId, user.getKey(), --online, at));
                }
            }
        }
        return events;
    }

    /**
     * The user's subscriptions to the room after a change of {@code delta} that was just applied: read once per
     * batch (after the change), then kept up to date here.
     */
    private long count(Map<String, Long> subscriptionsOf, long roomId, String user, long delta) {
        Long known = subscriptionsOf.get(user);
        long now = known != null ? known + delta
                : jdbc.sql("SELECT count(*) FROM presence WHERE room_id = ? AND username = ?")
                    .params(roomId, user)
                    .query(Long.class)
                    .single();
        subscriptionsOf.put(user, now);
        return now;
    }

    private static void await(CompletableFuture<Void> done) {
        try {
            done.join();
        }
        catch (CompletionException ex) {
            throw ex.getCause() instanceof RuntimeException cause ? cause : ex;
        }
    }

    /**
     * A subscription that starts ({@code username} given), or one (or a whole session's) that ends: in the room, or
     * in whichever rooms it is in ({@link #ANY_ROOM}).
     */
    private record Change(long roomId, String sessionId, @Nullable String subscriptionId, @Nullable String username,
            CompletableFuture<Void> done) {

        Change(long roomId, String sessionId, @Nullable String subscriptionId, @Nullable String username) {
            this(roomId, sessionId, subscriptionId, username, new CompletableFuture<>());
        }

        static Change leaving(String sessionId, @Nullable String subscriptionId) {
            return new Change(ANY_ROOM, sessionId, subscriptionId, null);
        }
    }

    private record Subscribed(String subscriptionId, long roomId) {
    }
}
