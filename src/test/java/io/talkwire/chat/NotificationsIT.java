package io.talkwire.chat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Notifications on {@code talkwire.notifications}: a queue of the test's own, bound as a push service would bind it,
 * gets one persistent message per offline recipient of a DIRECT-room message or a mention, and nothing for anyone
 * online. Notifications of one instance arrive in commit order, so a later one is a fence for "nothing else came".
 */
class NotificationsIT extends IntegrationTest {

    @Autowired
    private ConnectionFactory connectionFactory;

    private RabbitAdmin admin;

    private RabbitTemplate rabbit;

    private Queue queue;

    @BeforeEach
    void bindAQueueOfOurOwn() {
        admin = new RabbitAdmin(connectionFactory);
        rabbit = new RabbitTemplate(connectionFactory);
        // exclusive, not auto-delete (each receive ends its consumer); Spring's AnonymousQueue asks for a leader
        // locator that RabbitMQ 3.x refuses
        queue = new Queue("notifications-test-" + java.util.UUID.randomUUID(), false, true, false);
        admin.declareQueue(queue);
    }

    @AfterEach
    void deleteIt() {
        admin.deleteQueue(queue.getName());
    }

    @Test
    void aDirectMessageNotifiesItsRecipientOnlyWhileOffline() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        bind(alice);
        bind(bob);
        long direct = api.directRoom(alice, bob);
        List<Message> toBob;
        long one;
        try (StompTestClient aliceClient = connect(alice)) {
            aliceClient.subscribe("/topic/rooms." + direct);
            one = api.say(alice, direct, "one: " + "x".repeat(150)); // bob is offline; alice sent it
            api.say(bob, direct, "two"); // alice is online: nothing
            // whom to notify is found after the commit, in commit order: once bob has the notification of a later
            // message, "two" was looked at while alice was still online
            api.say(alice, direct, "fence");
            toBob = receive(2);
            assertThat(Api.parse(new String(toBob.get(1).getBody())).get("preview").asString()).isEqualTo("fence");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> api.get("/api/rooms/" + direct, bob.token()).json()
            .get("onlineCount").asLong() == 0);
        long three = api.say(bob, direct, "three"); // alice is offline now

        JsonNode first = Api.parse(new String(toBob.get(0).getBody()));
        assertThat(toBob.get(0).getMessageProperties().getReceivedRoutingKey()).isEqualTo("user." + bob.name());
        assertThat(toBob.get(0).getMessageProperties().getReceivedDeliveryMode()).isEqualTo(MessageDeliveryMode.PERSISTENT);
        assertThat(first.get("type").asString()).isEqualTo("NOTIFICATION");
        assertThat(first.get("username").asString()).isEqualTo(bob.name());
        assertThat(first.get("roomId").asLong()).isEqualTo(direct);
        assertThat(first.get("from").asString()).isEqualTo(alice.name());
        assertThat(first.get("preview").asString()).hasSize(100).startsWith("one: xxx");
        assertThat(first.get("mention").asBoolean()).isFalse();
        assertThat(first.get("seq").asLong()).isEqualTo(one);
        JsonNode second = Api.parse(new String(receive(1).get(0).getBody()));
        assertThat(second.get("username").asString()).isEqualTo(alice.name());
        assertThat(second.get("seq").asLong()).isEqualTo(three);
        assertThat(second.get("preview").asString()).isEqualTo("three");
        assertThat(rabbit.receive(queue.getName())).isNull(); // nothing for "two", nothing for senders
    }

    @Test
    void aMentionNotifiesOfflineMembersOnly() {
        Api api = api();
        User owner = api.newUser("owner");
        User carol = api.newUser("carol");
        User dave = api.newUser("dave");
        User erin = api.newUser("erin");
        long room = api.createRoom(owner, "PUBLIC");
        for (User member : List.of(carol, dave)) {
            assertThat(api.put("/api/rooms/" + room + "/members/" + member.name(), member.token()).status()).isEqualTo(204);
        }
        for (User user : List.of(owner, carol, dave, erin)) {
            bind(user);
        }
        try (StompTestClient daveClient = connect(dave)) {
            daveClient.subscribe("/topic/rooms." + room);
            api.say(owner, room, "no mention here, carol");
            long seq = api.say(owner, room, "@" + carol.name() + " @" + dave.name() + " @" + erin.name() + " @" + owner.name() + " look");
            List<Message> got = receive(1);
            JsonNode notification = Api.parse(new String(got.get(0).getBody()));
            assertThat(notification.get("username").asString()).isEqualTo(carol.name());
            assertThat(notification.get("seq").asLong()).isEqualTo(seq);
            assertThat(notification.get("mention").asBoolean()).isTrue();
            // the fence: a DIRECT message to carol, committed after, notified after
            long direct = api.directRoom(owner, carol);
            api.say(owner, direct, "fence");
            JsonNode fence = Api.parse(new String(receive(1).get(0).getBody()));
            assertThat(fence.get("preview").asString()).isEqualTo("fence");
            assertThat(rabbit.receive(queue.getName())).isNull();
        }
    }

    /**
     * DIRECT messages and mentions sent at once, so that the notification thread takes them in batches that mix
     * rooms of both kinds: each offline recipient gets one notification per message, and nobody online any.
     */
    @Test
    void directMessagesAndMentionsSentAtOnceNotifyEachOfflineRecipientOnce() throws Exception {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        User owner = api.newUser("owner");
        User carol = api.newUser("carol");
        User dave = api.newUser("dave");
        long direct = api.directRoom(alice, bob);
        long room = api.createRoom(owner, "PUBLIC");
        for (User member : List.of(carol, dave)) {
            assertThat(api.put("/api/rooms/" + room + "/members/" + member.name(), member.token()).status()).isEqualTo(204);
        }
        for (User user : List.of(alice, bob, owner, carol, dave)) {
            bind(user);
        }
        int each = 15;
        Set<Long> directSeqs = ConcurrentHashMap.newKeySet();
        Set<Long> mentionSeqs = ConcurrentHashMap.newKeySet();
        try (StompTestClient daveClient = connect(dave);
                ExecutorService senders = Executors.newFixedThreadPool(2 * each)) {
            daveClient.subscribe("/topic/rooms." + room);
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < each; i++) {
                int n = i;
                sent.add(senders.submit(() -> directSeqs.add(api.say(alice, direct, "direct " + n))));
                sent.add(senders.submit(() -> mentionSeqs.add(api.say(owner, room, "@" + carol.name() + " @" + dave.name() + " " + n))));
            }
            for (Future<?> send : sent) {
                send.get(30, TimeUnit.SECONDS);
            }
            // committed after all of them, so notified after all of them
            api.say(alice, direct, "fence");
            List<JsonNode> got = new ArrayList<>();
            while (got.isEmpty() || !got.getLast().get("preview").asString().equals("fence")) {
                got.add(Api.parse(new String(receive(1).getFirst().getBody())));
            }
            got.removeLast();
            assertThat(got).filteredOn(n -> n.get("username").asString().equals(bob.name()))
                .allMatch(n -> n.get("roomId").asLong() == direct && !n.get("mention").asBoolean())
                .extracting(n -> n.get("seq").asLong())
                .containsExactlyInAnyOrderElementsOf(directSeqs);
            assertThat(got).filteredOn(n -> n.get("username").asString().equals(carol.name()))
                .allMatch(n -> n.get("roomId").asLong() == room && n.get("mention").asBoolean())
                .extracting(n -> n.get("seq").asLong())
                .containsExactlyInAnyOrderElementsOf(mentionSeqs);
            assertThat(got).as("notifications for someone online, or for a sender")
                .extracting(n -> n.get("username").asString())
                .containsOnly(bob.name(), carol.name());
            assertThat(rabbit.receive(queue.getName())).isNull();
        }
    }

    private void bind(User user) {
        Binding binding = BindingBuilder.bind(queue).to(new TopicExchange("talkwire.notifications")).with("user." + user.name());
        admin.declareBinding(binding);
    }

    private List<Message> receive(int count) {
        List<Message> got = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (got.size() < count && System.nanoTime() < deadline) {
            Message message = rabbit.receive(queue.getName(), 500);
            if (message != null) {
                got.add(message);
            }
        }
        assertThat(got).as("notifications").hasSize(count);
        return got;
    }
}
