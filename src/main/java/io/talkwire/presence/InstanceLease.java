package io.talkwire.presence;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.annotation.Lazy;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * This instance's identity and lease. Each instance renews its lease every 5 s; one whose lease ran out
 * (killed, frozen, cut off) has its presence removed by a survivor, which announces the LEAVEs: at most
 * {@link #LEASE} plus one sweep after the death.
 */
@Component
public class InstanceLease {

    private static final Logger log = LoggerFactory.getLogger(InstanceLease.class);

    static final Duration LEASE = Duration.ofSeconds(20);

    private final String id = newId();

    private final JdbcClient jdbc;

    private final PresenceService presence;

    /** Since when every renewal succeeded; null after a failed one. */
    private volatile @Nullable Instant healthySince;

    InstanceLease(JdbcClient jdbc, @Lazy PresenceService presence) {
        this.jdbc = jdbc;
        this.presence = presence;
    }

    /** Unique across instances and restarts; prefixes every STOMP session id of this instance. */
    public String id() {
        return id;
    }

    /** Taken before the first session arrives, so no survivor mistakes this instance's presence for a dead one's. */
    @PostConstruct
    void renew() {
        jdbc.sql("""
                INSERT INTO instances (id, lease_until) VALUES (?, now() + make_interval(secs => ?))
                ON CONFLICT (id) DO UPDATE SET lease_until = excluded.lease_until
                """)
            .params(id, LEASE.toSeconds())
            .update();
    }

    /** The other instances whose lease is current. */
    public List<String> others() {
        return jdbc.sql("SELECT id FROM instances WHERE id <> ? AND lease_until >= now()").param(id).query(String.class).list();
    }

    @Scheduled(initialDelay = 5_000, fixedDelay = 5_000)
    void renewAndSweep() {
        try {
            renew();
            Instant now = Instant.now();
            if (healthySince == null) {
                healthySince = now;
            }
            // After a database outage every lease has run out; judge others only once they had a full lease to renew
            if (!healthySince.plus(LEASE).isAfter(now)) {
                sweepDeadInstances();
            }
            presence.reconcile();
        }
        catch (DataAccessException ex) {
            healthySince = null;
            log.warn("Could not renew the instance lease or sweep dead instances: {}", ex.getMessage());
        }
    }

    private void sweepDeadInstances() {
        jdbc.sql("DELETE FROM instances WHERE lease_until < now() RETURNING id")
            .query(String.class)
            .list()
            .forEach(presence::instanceGone);
        // presence left by instances whose lease row is gone already (swept, or a crash mid-sweep)
        jdbc.sql("SELECT DISTINCT instance_id FROM presence WHERE instance_id NOT IN (SELECT id FROM instances)")
            .query(String.class)
            .list()
            .forEach(presence::instanceGone);
    }

    @PreDestroy
    void release() {
        try {
            presence.instanceGone(id);
            jdbc.sql("DELETE FROM instances WHERE id = ?").param(id).update();
        }
        catch (DataAccessException ex) {
            log.warn("Could not release the instance lease: {}", ex.getMessage());
        }
    }

    private static String newId() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        SecureRandom random = new SecureRandom();
        StringBuilder id = new StringBuilder(10);
        for (int i = 0; i < 10; i++) {
            id.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return id.toString();
    }
}
