package io.talkwire.stomp;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The STOMP broker relay. Credentials and virtual host are RabbitMQ's ({@code spring.rabbitmq.*}).
 *
 * @param port the port of RabbitMQ's STOMP plugin on each AMQP host, when {@code addresses} is not set
 * @param addresses {@code host:port} of the STOMP plugin on each node of a RabbitMQ cluster; empty: every host of
 * {@code spring.rabbitmq.addresses} (or {@code spring.rabbitmq.host}) with {@code port}
 */
@ConfigurationProperties("talkwire.relay")
record RelayProperties(@DefaultValue("61613") int port, @DefaultValue List<String> addresses) {
}
