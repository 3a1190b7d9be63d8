package io.talkwire;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings shared by several features.
 *
 * @param allowedOrigins origin patterns allowed for WebSocket handshakes and CORS
 * @param limits         what one client may do
 * @param fanout         how room events reach their subscribers
 * @param orderWait      how long a room message waits on its way to a subscriber for an earlier one that has not
 *                       arrived (committed on another instance at the same moment)
 */
@ConfigurationProperties("talkwire")
public record TalkwireProperties(@DefaultValue("http://localhost:*") List<String> allowedOrigins,
        @DefaultValue Limits limits, @DefaultValue("broker") Fanout fanout,
        @DefaultValue("1s") Duration orderWait) {

    /** {@code talkwire.fanout}; each mode is one implementation of the delivery package's {@code RoomDelivery}. */
    public enum Fanout {

        /** RabbitMQ's STOMP plugin holds every room subscription; events go once to {@code amq.topic}. */
        BROKER,

        /** Each instance holds its sessions' room subscriptions; one copy of each event per instance. */
        INSTANCE
    }

    /**
     * @param sendPerSecond           SENDs one STOMP session may make per second, sustained (token bucket); a user's
     *                                REST sends and edits get {@code sessionsPerUser} times as many, together
     * @param sendBurst               SENDs one STOMP session may make at once (bucket size); REST as above
     * @param sessionsPerUser         concurrent STOMP sessions of one user
     * @param subscriptionsPerSession subscriptions one session may hold
     * @param loginFailures           failed logins for one username from one address in 5 minutes before HTTP 429
     *                                there (20 times as many for an address, whatever the usernames)
     * @param roomsPerHour            rooms one user may create per hour (and at once)
     * @param signupsPerHour          signups from one client address per hour (and at once)
     */
    public record Limits(@DefaultValue("10") double sendPerSecond, @DefaultValue("20") int sendBurst,
            @DefaultValue("20") int sessionsPerUser, @DefaultValue("100") int subscriptionsPerSession,
            @DefaultValue("5") int loginFailures, @DefaultValue("300") int roomsPerHour,
            @DefaultValue("1000") int signupsPerHour) {

        /** A bucket of {@code perHour} that refills over an hour. */
        public RateLimiter hourly(int perHour) {
            return new RateLimiter(perHour / 3600.0, perHour);
        }
    }
}
