package io.talkwire.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

/**
 * RabbitMQ over AMQP 0-9-1 (localhost:5672, as guest, the vhost Talkwire uses), as another service uses it: a bot
 * posting to talkwire.inbound, a push service consuming talkwire.notifications.
 */
final class RabbitAmqp {

    /** Persistent JSON, as Talkwire's integration surface asks (docs/protocol.md). */
    static final AMQP.BasicProperties PERSISTENT_JSON = new AMQP.BasicProperties.Builder()
        .contentType("application/json")
        .deliveryMode(2)
        .build();

    private RabbitAmqp() {
    }

    /** A new connection, named {@code name} in RabbitMQ's management UI. */
    static Connection connect(String name) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("localhost");
        factory.setPort(5672);
        factory.setUsername("guest");
        factory.setPassword("guest");
        factory.setVirtualHost("/");
        return factory.newConnection(name);
    }
}
