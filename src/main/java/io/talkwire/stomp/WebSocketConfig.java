package io.talkwire.stomp;

import io.talkwire.TalkwireProperties;
import io.talkwire.WebSocketPaths;
import io.talkwire.delivery.RoomOrder;
import io.talkwire.presence.InstanceLease;

import io.micrometer.observation.ObservationPredicate;

import org.springframework.boot.amqp.autoconfigure.RabbitProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.http.server.observation.ServerRequestObservationContext;
import org.springframework.messaging.simp.config.ChannelRegistration;
import org.springframework.messaging.simp.config.MessageBrokerRegistry;
import org.springframework.messaging.simp.config.StompBrokerRelayRegistration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.util.AntPathMatcher;
import org.springframework.web.util.UrlPathHelper;
import org.springframework.web.socket.config.annotation.StompEndpointRegistry;
import org.springframework.web.socket.config.annotation.WebSocketMessageBrokerConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketTransportRegistration;

/**
 * STOMP over WebSocket at /ws (SockJS at /ws-sockjs), every session relayed to RabbitMQ's STOMP plugin. With
 * {@code talkwire.fanout=broker} the relay also carries room subscriptions to RabbitMQ (the gate rewrites them to
 * {@code /exchange/amq.topic/rooms.{id}}); with {@code instance} each instance serves them itself.
 */
@Configuration(proxyBeanMethods = false)
class WebSocketConfig implements WebSocketMessageBrokerConfigurer {

    /** A whole frame, headers included; the body's own 64 KiB limit is checked by the send handler. */
    static final int MAX_FRAME_BYTES = 128 * 1024;

    private static final String USER_DESTINATION_BROADCAST = "/topic/unresolved-user-destination";

    private static final String USER_REGISTRY_BROADCAST = "/topic/simp-user-registry";

    private final RelayProperties relay;

    private final RabbitProperties rabbit;

    private final TalkwireProperties talkwire;

    private final InstanceLease instance;

    private final OpenSessions openSessions;

    private final RoomOrder roomOrder;

    WebSocketConfig(RelayProperties relay, RabbitProperties rabbit, TalkwireProperties talkwire, InstanceLease instance,
            OpenSessions openSessions, RoomOrder roomOrder) {
        this.relay = relay;
        this.rabbit = rabbit;
        this.talkwire = talkwire;
        this.instance = instance;
        this.openSessions = openSessions;
        this.roomOrder = roomOrder;
    }

    /**
     * Handshakes, and SockJS's requests, are not timed as HTTP requests (http.server.requests): that was a fifth of
     * what a handshake cost in Spring's HTTP layer, and a session is counted in {@code talkwire_sessions} once
     * connected.
     */
    @Bean
    static ObservationPredicate noHandshakeObservations() {
        UrlPathHelper paths = UrlPathHelper.defaultInstance;
        return (name, context) -> !(context instanceof ServerRequestObservationContext request
                && WebSocketPaths.matches(paths.getPathWithinApplication(request.getCarrier())));
    }

    @Override
    public void registerStompEndpoints(StompEndpointRegistry registry) {
        String[] origins = talkwire.allowedOrigins().toArray(String[]::new);
        registry.addEndpoint(WebSocketPaths.WEBSOCKET).setAllowedOriginPatterns(origins);
        registry.addEndpoint(WebSocketPaths.SOCKJS).setAllowedOriginPatterns(origins).withSockJS();
        registry.setErrorHandler(new StompErrorHandler());
    }

    @Override
    public void configureMessageBroker(MessageBrokerRegistry registry) {
        registry.setApplicationDestinationPrefixes("/app");
        registry.setPathMatcher(new AntPathMatcher("."));
        // the relay carries sessions, personal events and errors (/user/queue/* resolves to /exchange/amq.direct/*), the
        // user registry's broadcasts, and in broker mode room subscriptions (rewritten to /exchange/amq.topic/rooms.{id})
        StompBrokerRelayRegistration relayRegistration =
                registry.enableStompBrokerRelay("/exchange", USER_DESTINATION_BROADCAST, USER_REGISTRY_BROADCAST);
        // every node of a RabbitMQ cluster (talkwire.relay.addresses, or spring.rabbitmq's hosts with the relay port)
        RelayAddresses addresses = RelayAddresses.of(relay.addresses(), rabbit.determineAddresses(), relay.port());
        relayRegistration.setTcpClient(new RelayTcpClient(addresses));
        relayRegistration
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
        // a session's frames from RabbitMQ are written in the order they came, one at a time
        registry.setPreservePublishOrder(true);
    }

    /**
     * Client frames are handled on the thread that read them (Tomcat's, a virtual thread): no hand-off to a pool
     * between the socket and the group commit, each session's frames in order, and a SEND is with its committer by
     * the time {@link StompHandler#afterSendCompletion} counts it as handled. The gate is fitted by {@link InboundGate}.
     */
    @Override
    public void configureClientInboundChannel(ChannelRegistration registration) {
        registration.executor(new SyncTaskExecutor());
    }

    /**
     * A virtual thread per outgoing frame: a write blocked on a stuck client (until the send time or buffer limit
     * closes it) holds no pool thread that frames for everyone else wait on. Frames of one session that must keep
     * their order are handed over one at a time: the relay's, with preserved publish order, and a room
     * subscription's, by {@link RoomOrder}, which also puts its messages in seq order. The relay hands its frames
     * over on the event loop of the session's RabbitMQ connection ({@link RelayTcpClient}): this executor must never
     * block nor run a frame on the calling thread, or a slow client would stall every session of that loop.
     */
    @Override
    public void configureClientOutboundChannel(ChannelRegistration registration) {
        SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("client-outbound-");
        executor.setVirtualThreads(true);
        registration.executor(executor).interceptors(new ExceptSessionHeader(), roomOrder, openSessions);
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
