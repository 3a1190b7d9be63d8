package io.talkwire.stomp;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The STOMP broker relay. Host, credentials and virtual host are RabbitMQ's ({@code spring.rabbitmq.*}).
 *
 * @param port the port of RabbitMQ's STOMP plugin
 */
@ConfigurationProperties("talkwire.relay")
record RelayProperties(@DefaultValue("61613") int port) {
}
