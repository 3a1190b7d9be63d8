package io.talkwire.auth;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

import io.talkwire.TalkwireProperties;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Counts failed logins per username and per client address over {@link #WINDOW}; past the limit, logins are refused
 * with 429 before the password is even checked, so guessing gets nowhere.
 */
@Component
class LoginThrottle {

    static final Duration WINDOW = Duration.ofMinutes(5);

    private final JdbcClient jdbc;

    private final int limit;

    LoginThrottle(JdbcClient jdbc, TalkwireProperties properties) {
        this.jdbc = jdbc;
        this.limit = properties.limits().loginFailures();
    }

    boolean isBlocked(String username, String address) {
        List<String> keys = keys(username, address);
        return jdbc.sql("""
                SELECT coalesce(max(failures), 0) FROM (
                    SELECT count(*) AS failures FROM login_failures
                    WHERE key IN (?, ?) AND failed_at > now() - make_interval(secs => ?)
                    GROUP BY key) per_key
                """)
            .params(keys.get(0), keys.get(1), WINDOW.toSeconds())
            .query(Long.class)
            .single() >= limit;
    }

    @Transactional
    void failed(String username, String address) {
        for (String key : keys(username, address)) {
            jdbc.sql("DELETE FROM login_failures WHERE key = ? AND failed_at <= now() - make_interval(secs => ?)")
                .params(key, WINDOW.toSeconds())
                .update();
            jdbc.sql("INSERT INTO login_failures (key) VALUES (?)").param(key).update();
        }
    }

    void succeeded(String username) {
        jdbc.sql("DELETE FROM login_failures WHERE key = ?").param(keys(username, "").get(0)).update();
    }

    private static List<String> keys(String username, String address) {
        String user = username == null ? "" : username.strip().toLowerCase(Locale.ROOT);
        return List.of("user:" + truncate(user), "addr:" + truncate(address));
    }

    private static String truncate(String value) {
        return value.length() > 90 ? value.substring(0, 90) : value;
    }
}
