package io.talkwire.delivery;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.talkwire.ShutdownOrder;
import io.talkwire.ShutdownStep;
import io.talkwire.presence.InstanceLease;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.AbstractDeclarable;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.Binding.DestinationType;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.amqp.rabbit.connection.Connection;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.connection.ConnectionListener;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.dao.DataAccessException;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * How room events travel between instances through RabbitMQ without coming back to the instance that sent them: each
 * instance publishes to an exchange of its own ({@code talkwire.rooms.from.{id}}) and takes the others' events from a
 * queue of its own ({@code talkwire.rooms.to.{id}}), and each instance binds its queue to every other live instance's
 * exchange and theirs to its own. A lone instance's events go nowhere (RabbitMQ drops them unrouted); with more, each
 * instance gets one copy of every other's events, and none of its own (which it delivered when it published them).
 *
 * <p>Two instances are linked by whichever of them finds the other in the lease table, and the later to start always
 * does, since it takes its lease before it looks: at start (before clients are let in), at every lease renewal, and
 * whenever the connection to RabbitMQ is made again (an auto-delete queue loses its bindings with it). Binding is
 * idempotent. Nothing is left behind: the queue is auto-delete (and expires after a minute without a consumer, should
 * it ever be declared without getting one), and so is the exchange, kept alive by a binding to
 * its own queue under a key nothing is published with, and by the other instances' queues. An instance that stops
 * deletes its exchange (and so every binding to it) after its last event; survivors unbind from one that did not
 * (killed, or away from RabbitMQ) once its lease has gone, having seen it during the lease it leaves behind.
 */
@Component
@ConditionalOnProperty(name = "talkwire.fanout", havingValue = "instance")
public class InstanceLinks extends ShutdownStep implements ConnectionListener {

    private static final Logger log = LoggerFactory.getLogger(InstanceLinks.class);

    private static final String EXCHANGE_PREFIX = "talkwire.rooms.from.";

    private static final String QUEUE_PREFIX = "talkwire.rooms.to.";

    /** Binds the exchange to its own queue (so that it goes when the queue goes); no event is published with it. */
    private static final String KEEP_ALIVE_KEY = "keep-alive";

    private final AmqpAdmin admin;

    private final InstanceLease lease;

    private final String self;

    private final Declarables routes;

    /** The instances linked with this one by the last pass. */
    private final Set<String> linked = new HashSet<>();

    static final Duration UNUSED_QUEUE_EXPIRY = Duration.ofMinutes(1);

    InstanceLinks(AmqpAdmin admin, ConnectionFactory connectionFactory, InstanceLease lease) {
        super(ShutdownOrder.INSTANCE_LINKS); // last: these links carry the LEAVEs of the sessions closed before
        this.admin = admin;
        this.lease = lease;
        this.self = lease.id();
        TopicExchange exchange = new TopicExchange(exchange(self), false, true);
        // auto-delete goes with the consumer; a queue declared again after that (a reconnect as the instance stops)
        // never had one, and RabbitMQ drops it once unused for a minute, with whatever others sent it
        Queue queue = QueueBuilder.nonDurable(queue(self)).autoDelete().expires((int) UNUSED_QUEUE_EXPIRY.toMillis()).build();
        this.routes = new Declarables(exchange, queue, BindingBuilder.bind(queue).to(exchange).with(KEEP_ALIVE_KEY));
        connectionFactory.addConnectionListener(this);
    }

    /**
     * Declared by RabbitMQ's admin on every connection made while this instance runs, before anything uses them; not
     * on one made as it stops, which would leave a queue without a consumer (never auto-deleted) behind.
     */
    @Bean
    Declarables roomEventRoutes() {
        return routes;
    }

    /** Where this instance publishes its room events. */
    String exchange() {
        return exchange(self);
    }

    /** Where this instance takes the others' room events from. */
    public String queueName() {
        return queue(self);
    }

    /**
     * Links this instance with every other live one, and unlinks it from those gone since the last pass (whose
     * exchange goes with its last binding).
     */
    @Scheduled(initialDelay = 5_000, fixedDelay = 5_000)
    synchronized void link() {
        if (!isRunning()) {
            return;
        }
        List<String> others;
        try {
            others = lease.others();
        }
        catch (DataAccessException ex) {
            log.warn("Could not list the other instances to link with: {}", ex.getMessage());
            return;
        }
        try {
            if (admin.getQueueInfo(queue(self)) == null) {
                // gone as this instance stops (with its consumer), or not declared again yet on a new connection
                return;
            }
            for (String other : others) {
                // an instance whose queue is gone (stopping, or away from RabbitMQ) is linked when it is back
                if (admin.getQueueInfo(queue(other)) != null) {
                    admin.declareBinding(binding(queue(self), exchange(other)));
                    admin.declareBinding(binding(queue(other), exchange(self)));
                }
            }
            for (String gone : linked) {
                if (!others.contains(gone)) {
                    admin.removeBinding(binding(queue(self), exchange(gone)));
                }
            }
            linked.clear();
            linked.addAll(others);
        }
        catch (AmqpException ex) {
            log.warn("Could not link with the other instances through RabbitMQ: {}", ex.getMessage());
        }
    }

    /**
     * Last, after this instance's final events are published (by beans that need this one, so go first): its
     * exchange goes with every binding to it. Survivors cannot be relied on for that: one that never listed this
     * instance between its start and its stop (it removes its lease as it stops) would keep its queue bound.
     */
    @PreDestroy
    synchronized void unlink() {
        try {
            admin.deleteExchange(exchange(self));
        }
        catch (AmqpException ex) {
            log.warn("Could not delete this instance's exchange {}: {}", exchange(self), ex.getMessage());
        }
    }

    /** A connection made again comes with a queue made again, which needs its bindings again. */
    @Override
    public void onCreate(Connection connection) {
        if (isRunning()) {
            // not on the thread making the connection: binding waits for it to be made and declared
            Thread.ofVirtual().name("talkwire-instance-links").start(this::link);
        }
    }

    /** Before the web server (and clients) start, after every bean, RabbitMQ's admin included, is ready. */
    @Override
    public void start() {
        declare(true);
        super.start();
        link();
    }

    @Override
    protected void shutDown() {
        declare(false);
    }

    private void declare(boolean declare) {
        routes.getDeclarablesByType(AbstractDeclarable.class).forEach(declarable -> declarable.setShouldDeclare(declare));
    }

    private static Binding binding(String queue, String exchange) {
        return new Binding(queue, DestinationType.QUEUE, exchange, RoomRoutes.KEY_PREFIX + "*", null);
    }

    private static String exchange(String instance) {
        return EXCHANGE_PREFIX + instance;
    }

    private static String queue(String instance) {
        return QUEUE_PREFIX + instance;
    }
}
