package io.talkwire.presence;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.annotation.PostConstruct;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * This instance's identity and its lease in the {@code instances} table. {@link PresenceService} renews the lease every
 * 5 s; an instance whose lease ran out (killed, frozen, cut off) is gone, and a survivor removes its presence.
 */
@Component
public class InstanceLease {

    static final Duration LEASE = Duration.ofSeconds(20);

    private final String id = newId();

    private final JdbcClient jdbc;

    InstanceLease(JdbcClient jdbc) {
        this.jdbc = jdbc;
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

    /**
     * Removes the leases that ran out; returns those instances, and those whose presence outlived their lease row
     * (swept by another instance, or a crash mid-sweep).
     */
    List<String> sweepExpired() {
        List<String> gone = new ArrayList<>(jdbc.sql("DELETE FROM instances WHERE lease_until < now() RETURNING id")
            .query(String.class)
            .list());
        jdbc.sql("SELECT DISTINCT instance_id FROM presence WHERE instance_id NOT IN (SELECT id FROM instances)")
            .query(String.class)
            .list()
            .stream()
            .filter(instance -> !gone.contains(instance))
            .forEach(gone::add);
        return gone;
    }

    void release() {
        jdbc.sql("DELETE FROM instances WHERE id = ?").param(id).update();
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
