package io.talkwire.presence;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.talkwire.room.RoomEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.messaging.simp.broker.BrokerAvailabilityEvent;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Repairs online counts after RabbitMQ was away. JOIN and LEAVE events published while this instance's link to
 * RabbitMQ was down (or about to be found down) reached nobody, so subscribers elsewhere still count users who left.
 * When the link returns, a {@code PRESENCE} snapshot is published to every room whose presence this instance changed
 * from {@link #LOOKBACK} before the link was lost until it returned.
 * <p>
 * Each snapshot is read and published under the room's presence lock, so a JOIN or LEAVE committed at the same time
 * is published either before it (and counted in it) or after it.
 */
@Component
class PresenceSnapshots {

    private static final Logger log = LoggerFactory.getLogger(PresenceSnapshots.class);

    /** Longer than it takes to find a silent link dead (STOMP heart-beats: 10 s each way, three missed). */
    static final Duration LOOKBACK = Duration.ofSeconds(60);

    private static final long NEVER = Long.MIN_VALUE;

    /** Room id → when (System.nanoTime) this instance last changed its presence. */
    private final Map<Long, Long> changed = new ConcurrentHashMap<>();

    private final JdbcClient jdbc;

    private final TransactionTemplate transactions;

    private final ApplicationEventPublisher events;

    /** When the link to RabbitMQ was lost, or {@link #NEVER} while it is up. */
    private volatile long lostAt = NEVER;

    PresenceSnapshots(JdbcClient jdbc, TransactionTemplate transactions, ApplicationEventPublisher events) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.events = events;
    }

    @EventListener
    void on(RoomEvent event) {
        if (event.payload() instanceof PresenceEvent) {
            changed.put(event.roomId(), System.nanoTime());
        }
    }

    @EventListener
    void on(BrokerAvailabilityEvent event) {
        if (!event.isBrokerAvailable()) {
            if (lostAt == NEVER) {
                lostAt = System.nanoTime();
            }
            return;
        }
        long since = lostAt;
        if (since == NEVER) {
            return; // the first connection, or a repeated "available"
        }
        lostAt = NEVER;
        List<Long> rooms = changed.entrySet()
            .stream()
            .filter(room -> room.getValue() - (since - LOOKBACK.toNanos()) >= 0)
            .map(Map.Entry::getKey)
            .sorted()
            .toList();
        if (!rooms.isEmpty()) {
            // off the relay's I/O thread: one transaction per room
            Thread.ofVirtual().name("talkwire-presence-snapshots").start(() -> publish(rooms));
        }
    }

    private void publish(List<Long> rooms) {
        log.info("RabbitMQ is back: publishing who is online in {} room(s) whose JOIN or LEAVE may have been lost",
                rooms.size());
        for (long roomId : rooms) {
            try {
                transactions.executeWithoutResult(tx -> publish(roomId));
            }
            catch (DataAccessException ex) {
                log.warn("Could not publish who is online in room {}: {}", roomId, ex.getMessage());
            }
        }
    }

    private void publish(long roomId) {
        jdbc.sql("SELECT 1 FROM pg_advisory_xact_lock(?)").param(roomId).query(Integer.class).single();
        List<String> users = jdbc.sql("SELECT DISTINCT username FROM presence WHERE room_id = ? ORDER BY username")
            .param(roomId)
            .query(String.class)
            .list();
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        events.publishEvent(new RoomEvent(roomId, new PresenceSnapshot(roomId, users, at)));
    }

    /** Forgets changes too old to matter, unless the link is down now. */
    @Scheduled(initialDelay = 60_000, fixedDelay = 60_000)
    void forgetOldChanges() {
        if (lostAt == NEVER) {
            long oldest = System.nanoTime() - LOOKBACK.toNanos();
            changed.values().removeIf(at -> at - oldest < 0);
        }
    }
}
