package io.talkwire.chat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;

import io.talkwire.IntegrationTest;
import io.talkwire.chat.PipelinedPublisher.Outgoing;
import org.junit.jupiter.api.Test;

import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link PipelinedPublisher} against the real RabbitMQ: what a channel took but never confirmed is published again.
 * Here the channel dies because its exchange does not exist yet (RabbitMQ closes it with 404, and every message
 * after the first is lost with it); once the exchange is there, every message arrives.
 */
class PipelinedPublisherIT extends IntegrationTest {

    private static final int MESSAGES = 200;

    @Autowired
    private ConnectionFactory connectionFactory;

    @Test
    void whatAChannelLostIsPublishedAgainUntilConfirmed() throws Exception {
        RabbitAdmin admin = new RabbitAdmin(connectionFactory);
        String name = "pipelined-test-" + UUID.randomUUID();
        Queue queue = new Queue(name, false, true, false); // exclusive, not auto-delete: each receive ends its consumer
        admin.declareQueue(queue);
        TopicExchange exchange = new TopicExchange(name, false, true);
        try (PipelinedPublisher publisher = new PipelinedPublisher(connectionFactory, name)) {
            for (int i = 0; i < MESSAGES; i++) {
                try {
                    publisher.publish(List.of(new Outgoing("k", Integer.toString(i).getBytes(StandardCharsets.UTF_8))));
                }
                catch (java.io.IOException closed) {
                    // the channel died under the earlier messages: this one waits to be published again
                }
            }
            // nothing confirmed: each is kept (one may be kept twice, as the channel died under its publish)
            await().atMost(Duration.ofSeconds(10)).until(() -> publisher.unsettled() >= MESSAGES);

            admin.declareExchange(exchange);
            admin.declareBinding(BindingBuilder.bind(queue).to(exchange).with("k"));
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                publisher.retry();
                return publisher.unsettled() == 0;
            });

            RabbitTemplate rabbit = new RabbitTemplate(connectionFactory);
            Set<String> received = new HashSet<>();
            for (Message message; (message = rabbit.receive(name, 2_000)) != null; ) {
                received.add(new String(message.getBody(), StandardCharsets.UTF_8));
            }
            assertThat(received).containsExactlyInAnyOrderElementsOf(
                    IntStream.range(0, MESSAGES).mapToObj(Integer::toString).toList());
        }
        finally {
            admin.deleteExchange(name);
            admin.deleteQueue(name);
        }
    }
}
