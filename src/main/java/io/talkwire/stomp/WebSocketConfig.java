package io.talkwire.stomp;

import io.talkwire.TalkwireProperties;
import io.talkwire.presence.InstanceLease;

import org.springframework.boot.amqp.autoconfigure.RabbitProperties;
import org.springframework.context.annotation.Configuration;
import org.springframework.messaging.simp.config.ChannelRegistration;
import org.springframework.messaging.simp.config.MessageBrokerRegistry;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.util.AntPathMatcher;
import org.springframework.web.socket.config.annotation.StompEndpointRegistry;
import org.springframework.web.socket.config.annotation.WebSocketMessageBrokerConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketTransportRegistration;

/** STOMP over WebSocket at /ws (SockJS at /ws-sockjs), relayed to RabbitMQ's STOMP plugin. */
@Configuration(proxyBeanMethods = false)
class WebSocketConfig implements WebSocketMessageBrokerConfigurer {

    /** A whole frame, headers included; the body's own 64 KiB limit is checked by the send handler. */
    static final int MAX_FRAME_BYTES = 128 * 1024;

    private final StompHandler stompHandler;

    private final RelayProperties relay;

    private final RabbitProperties rabbit;

    private final TalkwireProperties talkwire;

    private final InstanceLease instance;

    private final SubscriptionRevoker subscriptionRevoker;

    WebSocketConfig(StompHandler stompHandler, RelayProperties relay, RabbitProperties rabbit,
            TalkwireProperties talkwire, InstanceLease instance, SubscriptionRevoker subscriptionRevoker) {
        this.stompHandler = stompHandler;
        this.subscriptionRevoker = subscriptionRevoker;
        this.relay = relay;
        this.rabbit = rabbit;
        this.talkwire = talkwire;
        this.instance = instance;
    }

    @Override
    public void registerStompEndpoints(StompEndpointRegistry registry) {
        String[] origins = talkwire.allowedOrigins().toArray(String[]::new);
        registry.addEndpoint("/ws").setAllowedOriginPatterns(origins);
        registry.addEndpoint("/ws-sockjs").setAllowedOriginPatterns(origins).withSockJS();
        registry.setErrorHandler(new StompErrorHandler());
    }

    @Override
    public void configureMessageBroker(MessageBrokerRegistry registry) {
        registry.setApplicationDestinationPrefixes("/app");
        registry.setPathMatcher(new AntPathMatcher("."));
        registry.enableStompBrokerRelay("/topic", "/queue", "/exchange")
            .setRelayHost(rabbit.determineHost())
            .setRelayPort(relay.port())
            .setClientLogin(rabbit.determineUsername())
            .setClientPasscode(rabbit.determinePassword())
            .setSystemLogin(rabbit.determineUsername())
            .setSystemPasscode(rabbit.determinePassword())
            // without it Spring sends the relay host name as the vhost and RabbitMQ refuses the CONNECT
            .setVirtualHost(rabbit.determineVirtualHost())
            // personal events and the user registry reach every instance through the broker
            .setUserDestinationBroadcast("/topic/unresolved-user-destination")
            .setUserRegistryBroadcast("/topic/simp-user-registry")
            // forwards heart-beats of clients that only SEND to /app, so RabbitMQ does not drop them as idle
            .setTaskScheduler(heartbeatScheduler());
    }

    @Override
    public void configureClientInboundChannel(ChannelRegistration registration) {
        registration.interceptors(stompHandler);
    }

    @Override
    public void configureClientOutboundChannel(ChannelRegistration registration) {
        registration.interceptors(subscriptionRevoker);
    }

    @Override
    public void configureWebSocketTransport(WebSocketTransportRegistration registration) {
        registration.setMessageSizeLimit(MAX_FRAME_BYTES)
            // a slow or stuck client is disconnected instead of holding others up
            .setSendTimeLimit(15_000)
            .setSendBufferSizeLimit(1024 * 1024)
            .addDecoratorFactory(new UniqueSessionIds(instance.id()));
    }

    private static ThreadPoolTaskScheduler heartbeatScheduler() {
        ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
        scheduler.setThreadNamePrefix("relay-heartbeat-");
        scheduler.setDaemon(true);
        scheduler.initialize();
        return scheduler;
    }
}
