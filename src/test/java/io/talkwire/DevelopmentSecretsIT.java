package io.talkwire;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A published secret stops the start before anything connects, unless development secrets are allowed. */
class DevelopmentSecretsIT {

    private static final String COMPOSE_JWT_SECRET = "local-development-only-secret-change-me-0123456789";

    @Test
    void theComposeJwtSecretIsRefused() {
        assertThatThrownBy(() -> TalkwireInstance.start(Map.of("talkwire.jwt.secret", COMPOSE_JWT_SECRET,
                "talkwire.development-secrets", false)))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("Refusing to start with published development secrets")
            .hasMessageContaining("talkwire.jwt.secret");
    }

    /** RabbitMQ's guest on a broker elsewhere: refused before the relay or anything else tries to reach it. */
    @Test
    void guestOnABrokerElsewhereIsRefused() {
        assertThatThrownBy(() -> TalkwireInstance.start(Map.of("spring.rabbitmq.host", "rabbitmq.invalid",
                "spring.rabbitmq.password", "guest", "talkwire.development-secrets", false)))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("Refusing to start")
            .hasMessageContaining("RabbitMQ");
    }

    @Test
    void developmentSecretsAreAcceptedWhenAllowedExplicitly() {
        try (TalkwireInstance instance = TalkwireInstance.start(Map.of("talkwire.jwt.secret", COMPOSE_JWT_SECRET,
                "talkwire.development-secrets", true))) {
            assertThat(instance.api().get("/actuator/health", null).status()).isIn(200, 503);
        }
    }
}
