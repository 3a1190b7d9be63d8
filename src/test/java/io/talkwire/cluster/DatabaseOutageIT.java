package io.talkwire.cluster;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.ChaosProxy;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import io.talkwire.TalkwireInstance;
import io.talkwire.TestServices;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** PostgreSQL goes away and comes back: sends fail cleanly meanwhile, and work again without a restart. */
class DatabaseOutageIT extends IntegrationTest {

    @Test
    void sendsFailWithAnErrorEventWhileTheDatabaseIsDownAndWorkAgainAfterwards() {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        try (ChaosProxy database = new ChaosProxy(TestServices.postgresHost(), TestServices.postgresPort());
                TalkwireInstance instance = TalkwireInstance.start(Map.of(
                        "spring.datasource.url", TestServices.jdbcUrl("localhost", database.port()),
                        "spring.datasource.hikari.connection-timeout", "2000"));
                StompTestClient client = StompTestClient.connect(instance.port(), alice.token())) {
            Inbox errors = client.subscribe("/user/queue/errors");
            Inbox events = client.subscribe("/topic/rooms." + room);
            String send = "/app/rooms." + room + ".send";

            database.cut();
            CompletableFuture<Void> lost = client.send(send, "{\"content\":\"during the outage\",\"clientMessageId\":\"o-1\"}", "o-1");
            JsonNode error = errors.next();
            assertThat(error.get("code").asString()).isEqualTo("UNAVAILABLE");
            assertThat(error.get("receiptId").asString()).isEqualTo("o-1");
            assertThat(error.get("clientMessageId").asString()).isEqualTo("o-1");
            assertThat(error.get("message").asString()).doesNotContain("Exception", "jdbc", "Connection");
            assertThat(instance.api().get("/api/rooms/" + room + "/messages", alice.token()).status()).isEqualTo(503);
            assertThat(client.isConnected()).isTrue();
            assertThat(lost).isNotDone();

            database.restore();
            // the client retries the same message, as a client does until it has its RECEIPT: the first tries may
            // still meet pooled connections that died in the outage (UNAVAILABLE); then it is stored, once
            int attempt = 0;
            CompletableFuture<Void> receipt;
            do {
                receipt = client.send(send, "{\"content\":\"during the outage\",\"clientMessageId\":\"o-1\"}", "retry-" + ++attempt);
            }
            while (!receiptedOrFailed(receipt, errors) && attempt < 20);
            assertThat(receipt).isCompleted();
            assertThat(events.next("MESSAGE").get("content").asString()).isEqualTo("during the outage");
            JsonNode history = instance.api().get("/api/rooms/" + room + "/messages", alice.token()).json();
            assertThat(history).hasSize(1);
            assertThat(history.get(0).get("seq").asLong()).isEqualTo(1);
            assertThat(events.drain(Duration.ofMillis(300))).noneMatch(e -> e.get("type").asString().equals("MESSAGE"));
        }
    }

    /** Waits for the RECEIPT (true) or an UNAVAILABLE error event (false). */
    private static boolean receiptedOrFailed(CompletableFuture<Void> receipt, Inbox errors) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            if (receipt.isDone()) {
                return true;
            }
            if (!errors.drain(Duration.ofMillis(100)).isEmpty()) {
                return receipt.isDone();
            }
        }
        return false;
    }
}
