package io.talkwire.auth;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param secret HMAC secret of at least 32 bytes; unset means a random one per process
 * @param ttl        access token lifetime
 * @param refreshTtl refresh token lifetime: how long a login lasts without any use
 */
@ConfigurationProperties("talkwire.jwt")
record JwtProperties(@Nullable String secret, @DefaultValue("1h") Duration ttl,
        @DefaultValue("30d") Duration refreshTtl) {
}
