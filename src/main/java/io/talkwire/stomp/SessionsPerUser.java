package io.talkwire.stomp;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.talkwire.presence.InstanceLease;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.messaging.simp.user.SimpUser;
import org.springframework.messaging.simp.user.SimpUserRegistry;
import org.springframework.stereotype.Component;

/**
 * Counts each user's STOMP sessions as their CONNECT is accepted, atomically, so that CONNECTs sent at once on many
 * sockets cannot all pass the limit. Sessions on other instances are counted as the user registry last heard of them
 * (their broadcast every 10 s); this instance's own count is always exact.
 */
@Component
class SessionsPerUser {

    /** This instance's sessions by user. */
    private final Map<String, Integer> counts = new ConcurrentHashMap<>();

    /** The user of each session counted here: a session is uncounted once, however often it ends. */
    private final Map<String, String> userOf = new ConcurrentHashMap<>();

    private final SimpUserRegistry registry;

    private final String localPrefix;

    @Autowired
    SessionsPerUser(SimpUserRegistry registry, InstanceLease instance, MeterRegistry meters) {
        this(registry, instance.id());
        Gauge.builder("talkwire.sessions", userOf, Map::size)
            .description("STOMP sessions connected to this instance")
            .register(meters);
    }

    SessionsPerUser(SimpUserRegistry registry, String instanceId) {
        this.registry = registry;
        this.localPrefix = instanceId + "-";
    }

    /** Counts the session unless the user already holds {@code limit} sessions; returns whether it was counted. */
    boolean tryCount(String username, String sessionId, int limit) {
        long elsewhere = sessionsElsewhere(username);
        boolean[] counted = { false };
        counts.compute(username, (user, count) -> {
            int held = count == null ? 0 : count;
            if (held + elsewhere >= limit) {
                return count;
            }
            counted[0] = true;
            // inside the step: an end of this session racing the count finds it, and the slot is given back
            userOf.put(sessionId, username);
            return held + 1;
        });
        return counted[0];
    }

    void ended(String sessionId) {
        String username = userOf.remove(sessionId);
        if (username != null) {
            counts.computeIfPresent(username, (user, count) -> count <= 1 ? null : count - 1);
        }
    }

    private long sessionsElsewhere(String username) {
        SimpUser user = registry.getUser(username);
        return user == null ? 0
                : user.getSessions().stream().filter(session -> !session.getId().startsWith(localPrefix)).count();
    }
}
