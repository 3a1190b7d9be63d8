package io.talkwire.cluster;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.LongStream;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.TalkwireInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * Talkwire on a three-node RabbitMQ cluster ({@code spring.rabbitmq.addresses}, {@code talkwire.relay.addresses}):
 * the node its sessions are relayed to is killed while a client streams SENDs into a DIRECT room, a bot posts through
 * {@code talkwire.inbound} and the offline member's notifications go to a queue of the test's own. The sessions on
 * that node get an ERROR frame, clients that connect again are served by a surviving node, every receipted message is
 * stored once and reachable with {@code after=}, and notifications and inbound messages keep flowing. Three nodes,
 * because a quorum queue stays available only while most of its members are.
 */
class RabbitClusterIT extends IntegrationTest {

    private RabbitCluster cluster;

    private TalkwireInstance instance;

    private CachingConnectionFactory amqp;

    @BeforeEach
    void startCluster() throws Exception {
        assumeThat(RabbitCluster.installation()).as("a RabbitMQ installed on this machine to start nodes from").isPresent();
        cluster = RabbitCluster.start(3);
        instance = TalkwireInstance.start(Map.of(
                "spring.rabbitmq.addresses", cluster.amqpAddresses(),
                "talkwire.relay.addresses", cluster.stompAddresses()));
        await().atMost(Duration.ofSeconds(30))
            .until(() -> instance.api().health("stompRelay").equals("UP") && instance.api().health("rabbit").equals("UP"));
        amqp = new CachingConnectionFactory();
        amqp.setAddresses(cluster.amqpAddresses());
        amqp.setUsername("guest");
        amqp.setPassword("guest");
        amqp.setPublisherConfirmType(CachingConnectionFactory.ConfirmType.SIMPLE);
    }

    @AfterEach
    void stopCluster() {
        try {
            if (amqp != null) {
                amqp.destroy();
            }
            if (instance != null) {
                instance.close();
            }
        }
        finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    @Test
    void whenTheNodeSessionsAreRelayedToDiesClientsMoveOnAndNothingIsLost() throws Exception {
        Api api = instance.api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        User bot = api.newUser("bot");
        long direct = api.directRoom(alice, bob);
        long botRoom = api.createRoom(bot, "PUBLIC");

        // a push service's queue: quorum, so that it outlives the loss of one node
        RabbitAdmin admin = new RabbitAdmin(amqp);
        RabbitTemplate rabbit = new RabbitTemplate(amqp);
        Queue notifications = QueueBuilder.durable("notifications-cluster-test-" + UUID.randomUUID()).quorum().build();
        admin.declareQueue(notifications);
        Binding binding = BindingBuilder.bind(notifications).to(new TopicExchange("talkwire.notifications")).with("user." + bob.name());
        admin.declareBinding(binding);

        SendLog sends = new SendLog();
        RecoveringClient client = new RecoveringClient(instance.port(), api, alice, direct, sends);
        StompTestClient bystander = StompTestClient.connect(instance.port(), alice.token());
        bystander.subscribe("/topic/rooms." + direct);
        Set<String> inboundIds = new HashSet<>();
        try (Senders senders = new Senders(List.of(client))) {
            for (int i = 0; i < 20; i++) {
                inboundIds.add(postInbound(rabbit, botRoom, bot, "before-" + i));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> sends.receiptedCount() >= 20);

            // the node every relay connection goes to (the first address) dies
            cluster.kill(cluster.nodes().getFirst());
            assertThat(bystander.expectErrorAndClose()).as("ERROR frame of a session relayed to the dead node").isNotBlank();
            int atKill = sends.receiptedCount();
            long seqAtKill = api.lastSeq(alice, direct);

            // clients that connect again are served by a surviving node, and SENDs are receipted again
            await().atMost(Duration.ofSeconds(60)).until(() -> sends.receiptedCount() >= atKill + 20);
            assertThat(client.subscriptions()).as("subscriptions of the streaming client").isGreaterThanOrEqualTo(2);
            try (StompTestClient fresh = StompTestClient.connect(instance.port(), bot.token())) {
                fresh.subscribe("/topic/rooms." + botRoom);
            }
            for (int i = 0; i < 20; i++) {
                inboundIds.add(postInbound(rabbit, botRoom, bot, "after-" + i));
            }
            senders.stop();

            // every receipted SEND stored once, reachable with after=, seq without a gap
            JsonNode history = RecoveringClient.fetchAfter(api, alice, direct, 0);
            List<Long> seqs = history.valueStream().map(m -> m.get("seq").asLong()).toList();
            assertThat(seqs).containsExactlyElementsOf(LongStream.rangeClosed(1, seqs.size()).boxed().toList());
            assertThat(history.valueStream().map(m -> m.get("clientMessageId").asString()).toList())
                .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(sends.receiptedIds());

            // inbound messages posted before and after the loss are all committed, once
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(RecoveringClient.fetchAfter(api, bot, botRoom, 0)
                .valueStream().map(m -> m.get("clientMessageId").asString()).toList())
                .containsExactlyInAnyOrderElementsOf(inboundIds));

            // bob was offline throughout: a notification for messages committed after the loss, too
            long last = seqs.getLast();
            assertThat(last).isGreaterThan(seqAtKill);
            Set<Long> notified = new HashSet<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!notified.contains(last) && System.nanoTime() < deadline) {
                Message message = rabbit.receive(notifications.getName(), 500);
                if (message != null) {
                    notified.add(Api.parse(new String(message.getBody())).get("seq").asLong());
                }
            }
            assertThat(notified).as("notified seqs (the last is %d, at the kill %d)", last, seqAtKill).contains(last);
            assertThat(notified).as("notified seqs").anyMatch(seq -> seq > seqAtKill);
        }
        finally {
            client.close();
            admin.deleteQueue(notifications.getName());
        }
    }

    /** As a bot should post: persistent, and again until RabbitMQ confirms it (a node may be away meanwhile). */
    private static String postInbound(RabbitTemplate rabbit, long room, User bot, String clientMessageId) {
        MessageProperties properties = new MessageProperties();
        properties.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        properties.setContentType("application/json");
        String body = "{\"roomId\":%d,\"username\":\"%s\",\"content\":\"%s\",\"clientMessageId\":\"%s\"}"
            .formatted(room, bot.name(), "inbound " + clientMessageId, clientMessageId);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> rabbit.invoke(operations -> {
            operations.send("", "talkwire.inbound", new Message(body.getBytes(), properties));
            operations.waitForConfirmsOrDie(5_000);
            return true;
        }));
        return clientMessageId;
    }

}
