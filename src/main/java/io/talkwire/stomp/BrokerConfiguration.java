package io.talkwire.stomp;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.messaging.simp.user.SimpUserRegistry;
import org.springframework.messaging.simp.user.UserDestinationResolver;
import org.springframework.messaging.support.AbstractSubscribableChannel;
import org.springframework.web.socket.config.annotation.DelegatingWebSocketMessageBrokerConfiguration;

/**
 * What {@code @EnableWebSocketMessageBroker} sets up, with one change: user destinations resolve to RabbitMQ
 * exchange destinations that leave no queue behind ({@link ExchangeUserDestinationResolver}). The endpoints,
 * relay and interceptor are configured in {@link WebSocketConfig}.
 */
@Configuration(proxyBeanMethods = false)
class BrokerConfiguration extends DelegatingWebSocketMessageBrokerConfiguration {

    @Bean
    @Override
    public UserDestinationResolver userDestinationResolver(SimpUserRegistry userRegistry,
            AbstractSubscribableChannel clientInboundChannel, AbstractSubscribableChannel clientOutboundChannel) {
        return new ExchangeUserDestinationResolver(userRegistry);
    }
}
