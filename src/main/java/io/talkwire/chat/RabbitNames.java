package io.talkwire.chat;

import io.talkwire.ShutdownOrder;

import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.amqp.rabbit.config.ContainerCustomizer;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The RabbitMQ objects other services use (docs/protocol.md, "RabbitMQ as an integration surface"): declared by every
 * instance at start and whenever it reconnects, durable, so they outlive any instance and a broker restart. The
 * queues are quorum queues: replicated across the nodes of a cluster, and on a single node as durable as a classic
 * queue.
 */
@Configuration(proxyBeanMethods = false)
class RabbitNames {

    /** Topic exchange: one persistent message per offline recipient, routing key {@code user.{username}}. */
    static final String NOTIFICATIONS = "talkwire.notifications";

    /** Backend services and bots post here; Talkwire commits each message as its user's SEND. */
    static final String INBOUND = "talkwire.inbound";

    /** What {@link #INBOUND} could never commit, each with {@link #ERROR_HEADER} saying why. */
    static final String INBOUND_DEAD = "talkwire.inbound.dead";

    static final String ERROR_HEADER = "x-talkwire-error";

    /** Deliveries of one inbound message before RabbitMQ moves it to the dead letters by itself (crash loops). */
    static final int DELIVERY_LIMIT = 100;

    /**
     * The inbound queue moves a message that was delivered {@value #DELIVERY_LIMIT} times (an instance that crashes on
     * it, again and again) to the dead letters itself, at least once, instead of dropping it (RabbitMQ 4's default for
     * quorum queues). Bots publish to the exchange {@value #INBOUND} (bound to the queue): permission to write to that
     * exchange alone is all a bot's RabbitMQ user needs.
     */
    @Bean
    Declarables talkwireRabbitNames() {
        Queue inbound = QueueBuilder.durable(INBOUND)
            .quorum()
            .deliveryLimit(DELIVERY_LIMIT)
            .deadLetterExchange("")
            .deadLetterRoutingKey(INBOUND_DEAD)
            .withArgument("x-dead-letter-strategy", "at-least-once")
            .overflow(QueueBuilder.Overflow.rejectPublish)
            .build();
        Queue dead = deadLetters();
        DirectExchange forBots = new DirectExchange(INBOUND, true, false);
        return new Declarables(new TopicExchange(NOTIFICATIONS, true, false), inbound, dead, forBots,
                BindingBuilder.bind(inbound).to(forBots).with(""));
    }

    /** {@value #INBOUND_DEAD}, as declared at start and again when a dead letter finds it gone. */
    static Queue deadLetters() {
        return QueueBuilder.durable(INBOUND_DEAD).quorum().build();
    }

    /** Listener containers stop after the group commit has drained ({@link ShutdownOrder#LISTENERS}). */
    @Bean
    ContainerCustomizer<SimpleMessageListenerContainer> listenersStopAfterTheSends() {
        return container -> container.setPhase(ShutdownOrder.LISTENERS);
    }
}
