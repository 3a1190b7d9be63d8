package io.talkwire;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class HealthIT extends IntegrationTest {

    @Test
    void healthIsOpenAndReportsDatabaseRabbitAndTheRelay() {
        await().untilAsserted(() -> {
            Api.Response health = api().get("/actuator/health", null);
            assertThat(health.status()).isEqualTo(200);
            JsonNode components = health.json().get("components");
            assertThat(health.json().get("status").asString()).isEqualTo("UP");
            assertThat(components.get("db").get("status").asString()).isEqualTo("UP");
            assertThat(components.get("rabbit").get("status").asString()).isEqualTo("UP");
            assertThat(components.get("stompRelay").get("status").asString()).isEqualTo("UP");
        });
    }
}
