package io.talkwire.stomp;

import java.nio.charset.StandardCharsets;

import io.talkwire.auth.SignedOutEverywhere;
import io.talkwire.auth.TokenGenerations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.ExchangeTypes;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.annotation.Exchange;
import org.springframework.amqp.rabbit.annotation.Queue;
import org.springframework.amqp.rabbit.annotation.QueueBinding;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * "Log out everywhere" reaches every instance: this one ends the user's sessions at once and tells the others over
 * {@code amq.topic} (routing key {@value #ROUTING_KEY}, body: the username), which forget the user's token generation
 * and end their sessions too, within a few seconds while RabbitMQ is reachable. If that message is lost, sessions
 * there last until their token expires, but no new CONNECT or REST call with an old token is accepted.
 */
@Component
class SignOuts {

    private static final Logger log = LoggerFactory.getLogger(SignOuts.class);

    static final String ROUTING_KEY = "talkwire.signouts";

    private static final String EXCHANGE = "amq.topic";

    private final SessionEnds sessionEnds;

    private final TokenGenerations generations;

    private final RabbitTemplate rabbit;

    SignOuts(SessionEnds sessionEnds, TokenGenerations generations, RabbitTemplate rabbit) {
        this.sessionEnds = sessionEnds;
        this.generations = generations;
        this.rabbit = rabbit;
    }

    /** Here at once; the others are told off the request's thread, so that a broker outage never holds it up. */
    @EventListener
    void on(SignedOutEverywhere signOut) {
        sessionEnds.signedOut(signOut.username());
        Thread.ofVirtual().name("talkwire-signouts").start(() -> {
            try {
                rabbit.send(EXCHANGE, ROUTING_KEY, new Message(signOut.username().getBytes(StandardCharsets.UTF_8)));
            }
            catch (AmqpException ex) {
                log.warn("Could not tell other instances that {} logged out everywhere: {}", signOut.username(),
                        ex.getMessage());
            }
        });
    }

    @RabbitListener(bindings = @QueueBinding(value = @Queue(exclusive = "true", autoDelete = "true"),
            exchange = @Exchange(name = EXCHANGE, type = ExchangeTypes.TOPIC, declare = "false"),
            key = ROUTING_KEY))
    void onSignOut(byte[] body) {
        String username = new String(body, StandardCharsets.UTF_8);
        generations.forget(username);
        sessionEnds.signedOut(username);
    }
}
