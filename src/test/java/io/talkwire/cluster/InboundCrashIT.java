package io.talkwire.cluster;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.ChaosProxy;
import io.talkwire.IntegrationTest;
import io.talkwire.PackagedInstance;
import io.talkwire.TestServices;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.listener.AbstractMessageListenerContainer;
import org.springframework.amqp.rabbit.listener.RabbitListenerEndpointRegistry;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Thousands of messages flow through {@code talkwire.inbound} into an instance whose PostgreSQL goes away for a while
 * and which is then killed with SIGKILL: in the end every message is in PostgreSQL exactly once (a survivor takes over
 * what the dead one had not acknowledged), and none is dead-lettered.
 */
class InboundCrashIT extends IntegrationTest {

    private static final int MESSAGES = 3000;

    private static final String DEAD = "talkwire.inbound.dead";

    @Autowired
    private ConnectionFactory connectionFactory;

    @Autowired
    private RabbitListenerEndpointRegistry listeners;

    @Test
    void everyMessageIsStoredExactlyOnceAcrossADatabaseOutageAndASigkill() throws Exception {
        Api api = api();
        User bot = api.newUser("bot");
        long room = api.createRoom(bot, "PUBLIC");
        RabbitTemplate rabbit = new RabbitTemplate(connectionFactory);
        AbstractMessageListenerContainer survivor = inboundListener();
        survivor.stop(); // the doomed instance alone consumes, until it dies
        RabbitAdmin admin = new RabbitAdmin(connectionFactory);
        admin.purgeQueue(DEAD, false); // earlier tests' poison
        int port = PackagedInstance.freePort();
        try (ChaosProxy database = new ChaosProxy(TestServices.postgresHost(), TestServices.postgresPort())) {
            Process doomed = PackagedInstance.start(port, Map.of(
                    "spring.datasource.url", TestServices.jdbcUrl("localhost", database.port()),
                    "spring.datasource.hikari.connection-timeout", "2000"), "inbound-crash-instance");
            try {
                await().atMost(Duration.ofSeconds(90)).ignoreExceptions()
                    .until(() -> new Api(port).get("/actuator/health", null).status() == 200);
                for (int i = 0; i < MESSAGES; i++) {
                    post(rabbit, "{\"roomId\":%d,\"username\":\"%s\",\"content\":\"bulk %d\",\"clientMessageId\":\"bulk-%d\"}"
                        .formatted(room, bot.name(), i, i));
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> api.lastSeq(bot, room) > MESSAGES / 10);
                database.cut();
                long atCut = api.lastSeq(bot, room);
                TimeUnit.SECONDS.sleep(3); // the outage: its consumer keeps what it holds and retries
                database.restore();
                await().atMost(Duration.ofSeconds(60)).until(() -> api.lastSeq(bot, room) > atCut + MESSAGES / 10);
                doomed.destroyForcibly(); // SIGKILL amid the flow: what it held unacknowledged goes back to the queue
                assertThat(doomed.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(api.lastSeq(bot, room)).as("killed before the end of the flow").isLessThan(MESSAGES);
            }
            finally {
                doomed.destroyForcibly();
                survivor.start();
            }
        }
        await().atMost(Duration.ofSeconds(120)).until(() -> api.lastSeq(bot, room) >= MESSAGES);
        Set<String> ids = new HashSet<>();
        long after = 0;
        while (true) {
            JsonNode page = api.get("/api/rooms/" + room + "/messages?limit=200&after=" + after, bot.token()).json();
            if (page.isEmpty()) {
                break;
            }
            page.forEach(m -> assertThat(ids.add(m.get("clientMessageId").asString())).as("stored once").isTrue());
            after = page.get(page.size() - 1).get("seq").asLong();
        }
        assertThat(ids).hasSize(MESSAGES);
        assertThat(api.lastSeq(bot, room)).isEqualTo(MESSAGES);
        // dead letters are published asynchronously (InboundQueue's own thread): none may come a while later either
        await("nothing dead-lettered").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
            .until(() -> admin.getQueueInfo(DEAD).getMessageCount() == 0);
    }

    private AbstractMessageListenerContainer inboundListener() {
        return listeners.getListenerContainers().stream()
            .map(AbstractMessageListenerContainer.class::cast)
            .filter(container -> Set.of(container.getQueueNames()).contains("talkwire.inbound"))
            .findFirst()
            .orElseThrow();
    }

    private static void post(RabbitTemplate rabbit, String body) {
        MessageProperties properties = new MessageProperties();
        properties.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        rabbit.send("", "talkwire.inbound", new Message(body.getBytes(), properties));
    }
}
