package io.talkwire.stomp;

import io.talkwire.TalkwireProperties;
import io.talkwire.presence.InstanceLease;

import org.springframework.boot.amqp.autoconfigure.RabbitProperties;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.messaging.simp.config.ChannelRegistration;
import org.springframework.messaging.simp.config.MessageBrokerRegistry;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.util.AntPathMatcher;
import org.springframework.web.socket.config.annotation.StompEndpointRegistry;
import org.springframework.web.socket.config.annotation.WebSocketMessageBrokerConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketTransportRegistration;

/**
 * STOMP over WebSocket at /ws (SockJS at /ws-sockjs): sessions relayed to RabbitMQ's STOMP plugin, room topics fanned
 * out by {@link RoomFanout}.
 */
@Configuration(proxyBeanMethods = false)
class WebSocketConfig implements WebSocketMessageBrokerConfigurer {

    /** A whole frame, headers included; the body's own 64 KiB limit is checked by the send handler. */
    static final int MAX_FRAME_BYTES = 128 * 1024;

    private static final String USER_DESTINATION_BROADCAST = "/topic/unresolved-user-destination";

    private static final String USER_REGISTRY_BROADCAST = "/topic/simp-user-registry";

    private final StompHandler stompHandler;

    private final RelayProperties relay;

    private final RabbitProperties rabbit;

    private final TalkwireProperties talkwire;

    private final InstanceLease instance;

    WebSocketConfig(StompHandler stompHandler, RelayProperties relay, RabbitProperties rabbit,
            TalkwireProperties talkwire, InstanceLease instance) {
        this.stompHandler = stompHandler;
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
        // room topics are served by RoomFanout; the relay carries sessions, personal events and errors
        // (/user/queue/* resolves to /exchange/amq.direct/*) and the user registry's broadcasts
        registry.enableStompBrokerRelay("/exchange", USER_DESTINATION_BROADCAST, USER_REGISTRY_BROADCAST)
            .setRelayHost(rabbit.determineHost())
            .setRelayPort(relay.port())
            .setClientLogin(rabbit.determineUsername())
            .setClientPasscode(rabbit.determinePassword())
            .setSystemLogin(rabbit.determineUsername())
            .setSystemPasscode(rabbit.determinePassword())
            // without it Spring sends the relay host name as the vhost and RabbitMQ refuses the CONNECT
            .setVirtualHost(rabbit.determineVirtualHost())
            // personal events and the user registry reach every instance through the broker
            .setUserDestinationBroadcast(USER_DESTINATION_BROADCAST)
            .setUserRegistryBroadcast(USER_REGISTRY_BROADCAST)
            // forwards heart-beats of clients that only SEND to /app, so RabbitMQ does not drop them as idle
            .setTaskScheduler(heartbeatScheduler());
    }

    /**
     * Client frames are handled on the thread that read them (Tomcat's, a virtual thread): no hand-off to a pool
     * between the socket and the group commit, each session's frames in order, and a SEND is with its committer by
     * the time {@link StompHandler#afterSendCompletion} counts it as handled.
     */
    @Override
    public void configureClientInboundChannel(ChannelRegistration registration) {
        registration.interceptors(stompHandler).executor(new SyncTaskExecutor());
    }

    /**
     * A virtual thread per outgoing frame: a write blocked on a stuck client (until the send time or buffer limit
     * closes it) holds no pool thread that frames for everyone else wait on.
     */
    @Override
    public void configureClientOutboundChannel(ChannelRegistration registration) {
        SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("client-outbound-");
        executor.setVirtualThreads(true);
        registration.executor(executor);
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
