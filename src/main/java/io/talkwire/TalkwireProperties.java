package io.talkwire;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings shared by several features.
 *
 * @param allowedOrigins origin patterns allowed for WebSocket handshakes and CORS
 * @param limits         what one client may do
 */
@ConfigurationProperties("talkwire")
public record TalkwireProperties(@DefaultValue("http://localhost:*") List<String> allowedOrigins,
        @DefaultValue Limits limits) {

    /**
     * @param sendPerSecond           SENDs a session may make per second, sustained (token bucket)
     * @param sendBurst               SENDs a session may make at once (bucket size)
     * @param sessionsPerUser         concurrent STOMP sessions of one user
     * @param subscriptionsPerSession subscriptions one session may hold
     * @param loginFailures           failed logins per username, and per address, in 5 minutes before HTTP 429
     */
    public record Limits(@DefaultValue("10") double sendPerSecond, @DefaultValue("20") int sendBurst,
            @DefaultValue("20") int sessionsPerUser, @DefaultValue("100") int subscriptionsPerSession,
            @DefaultValue("5") int loginFailures) {
    }
}
