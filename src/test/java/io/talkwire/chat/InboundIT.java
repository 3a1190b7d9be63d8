package io.talkwire.chat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code talkwire.inbound}: what a backend service posts is committed as its user's SEND, once; what can never be
 * committed goes to {@code talkwire.inbound.dead} with its reason, and the queue keeps flowing past it.
 */
class InboundIT extends IntegrationTest {

    @Autowired
    private ConnectionFactory connectionFactory;

    private RabbitTemplate rabbit;

    @BeforeEach
    void emptyTheDeadLetters() {
        rabbit = new RabbitTemplate(connectionFactory);
        new RabbitAdmin(connectionFactory).purgeQueue("talkwire.inbound.dead", false);
    }

    @Test
    void aPostedMessageIsCommittedOnceAsItsUsersSendAndReachesTheRoom() {
        Api api = api();
        User bot = api.newUser("bot");
        long room = api.createRoom(bot, "PUBLIC");
        String body = inbound(room, bot.name(), "deploy finished", "deploy-42");
        post(body);
        post(body); // delivered twice (a publisher's retry): stored once
        JsonNode stored = awaitHistory(api, bot, room, 1);
        assertThat(stored.get(0).get("sender").asString()).isEqualTo(bot.name());
        assertThat(stored.get(0).get("content").asString()).isEqualTo("deploy finished");
        assertThat(stored.get(0).get("clientMessageId").asString()).isEqualTo("deploy-42");
        // a later message is a fence: the repeat was handled before it
        post(inbound(room, bot.name(), "second", "deploy-43"));
        assertThat(awaitHistory(api, bot, room, 2).get(1).get("content").asString()).isEqualTo("second");
        assertThat(rabbit.receive("talkwire.inbound.dead")).isNull();
    }

    /** What bots should use: the exchange of the same name, which a RabbitMQ user may be allowed to write to alone. */
    @Test
    void theExchangeTalkwireInboundLeadsToTheQueueAndUsernamesAreTakenAsStored() {
        Api api = api();
        User bot = api.newUser("bot");
        long room = api.createRoom(bot, "PUBLIC");
        MessageProperties properties = new MessageProperties();
        properties.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        String shouted = " " + bot.name().toUpperCase(java.util.Locale.ROOT) + " ";
        rabbit.send("talkwire.inbound", "", new Message(inbound(room, shouted, "via the exchange", "ex-1").getBytes(), properties));
        JsonNode stored = awaitHistory(api, bot, room, 1);
        assertThat(stored.get(0).get("sender").asString()).isEqualTo(bot.name());
        assertThat(stored.get(0).get("content").asString()).isEqualTo("via the exchange");
        assertThat(rabbit.receive("talkwire.inbound.dead")).isNull();
    }

    @Test
    void whatCanNeverBeCommittedIsDeadLetteredWithItsReasonAndTheQueueKeepsFlowing() {
        Api api = api();
        User bot = api.newUser("bot");
        User owner = api.newUser("owner");
        long room = api.createRoom(bot, "PUBLIC");
        long privateRoom = api.createRoom(owner, "PRIVATE");
        Map<String, String> poison = new HashMap<>();
        poison.put("not json", "INVALID_JSON");
        poison.put("[]", "INVALID_JSON");
        poison.put("{\"username\":\"" + bot.name() + "\",\"content\":\"x\",\"clientMessageId\":\"p1\"}", "INVALID_MESSAGE");
        poison.put(inbound(room, "nobody_" + System.nanoTime(), "x", "p2"), "UNKNOWN_USER");
        poison.put(inbound(999_999_999, bot.name(), "x", "p3"), "NOT_FOUND");
        poison.put(inbound(privateRoom, bot.name(), "x", "p4"), "NOT_FOUND");
        poison.put(inbound(room, bot.name(), "x".repeat(4001), "p5"), "INVALID_CONTENT");
        poison.put(inbound(room, bot.name(), "   ", "p6"), "INVALID_CONTENT");
        poison.put("{\"roomId\":" + room + ",\"username\":\"" + bot.name() + "\",\"content\":\"no id\"}", "INVALID_CLIENT_MESSAGE_ID");
        poison.put(inbound(room, bot.name(), "x".repeat(10 * 1024 * 1024), "p7"), "TOO_LARGE");
        poison.put(inbound(room, bot.name(), "x", "p8\\u0000"), "INVALID_CLIENT_MESSAGE_ID");
        for (String body : poison.keySet()) {
            post(body);
        }
        post(inbound(room, bot.name(), "after the poison", "good-1"));

        assertThat(awaitHistory(api, bot, room, 1).get(0).get("content").asString()).isEqualTo("after the poison");
        List<Message> dead = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (dead.size() < poison.size() && System.nanoTime() < deadline) {
            Message message = rabbit.receive("talkwire.inbound.dead", 500);
            if (message != null) {
                dead.add(message);
            }
        }
        assertThat(dead).hasSize(poison.size());
        for (Message message : dead) {
            String body = new String(message.getBody());
            String reason = (String) message.getMessageProperties().getHeaders().get("x-talkwire-error");
            assertThat(reason).as(body.length() > 200 ? body.substring(0, 200) : body).startsWith(poison.get(body));
            assertThat(message.getMessageProperties().getReceivedDeliveryMode()).isEqualTo(MessageDeliveryMode.PERSISTENT);
        }
        assertThat(api.get("/api/rooms/" + privateRoom + "/messages?after=0", owner.token()).json()).isEmpty();
    }

    /**
     * A dead letter is acknowledged only once it is in {@code talkwire.inbound.dead}: with that queue deleted (by an
     * operator, say), RabbitMQ would confirm it into nowhere. Talkwire keeps it, declares the queue again, and it
     * arrives there.
     */
    @Test
    void aDeadLetterThatFindsItsQueueGoneIsKeptAndTheQueueComesBack() {
        RabbitAdmin admin = new RabbitAdmin(connectionFactory);
        Queue deadLetters = RabbitNames.deadLetters();
        admin.deleteQueue(deadLetters.getName());
        try {
            post("missing dead-letter queue");
            await().atMost(Duration.ofSeconds(20)).until(() -> admin.getQueueProperties(deadLetters.getName()) != null);
            Message dead = rabbit.receive(deadLetters.getName(), 15_000);
            assertThat(dead).isNotNull();
            assertThat(new String(dead.getBody())).isEqualTo("missing dead-letter queue");
            assertThat((String) dead.getMessageProperties().getHeaders().get("x-talkwire-error")).startsWith("INVALID_JSON");
        }
        finally {
            admin.declareQueue(deadLetters); // for the tests after this one, whatever happened
        }
    }

    private void post(String body) {
        MessageProperties properties = new MessageProperties();
        properties.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        properties.setContentType("application/json");
        rabbit.send("", "talkwire.inbound", new Message(body.getBytes(), properties));
    }

    private static String inbound(long room, String username, String content, String clientMessageId) {
        return "{\"roomId\":%d,\"username\":\"%s\",\"content\":\"%s\",\"clientMessageId\":\"%s\"}"
            .formatted(room, username, content, clientMessageId);
    }

    private static JsonNode awaitHistory(Api api, User reader, long room, int size) {
        JsonNode[] history = new JsonNode[1];
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            history[0] = api.get("/api/rooms/" + room + "/messages?after=0", reader.token()).json();
            return history[0].size() >= size;
        });
        assertThat(history[0]).hasSize(size);
        return history[0];
    }
}
