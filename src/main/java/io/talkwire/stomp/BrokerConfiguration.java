package io.talkwire.stomp;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.messaging.simp.user.SimpUserRegistry;
import org.springframework.messaging.simp.user.UserDestinationResolver;
import org.springframework.messaging.support.AbstractSubscribableChannel;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.config.annotation.DelegatingWebSocketMessageBrokerConfiguration;
import org.springframework.web.socket.messaging.SubProtocolWebSocketHandler;

/**
 * What {@code @EnableWebSocketMessageBroker} sets up, with three changes: user destinations resolve to RabbitMQ
 * exchange destinations that leave no queue behind ({@link ExchangeUserDestinationResolver}), and ERROR frames are
 * written before their session closes ({@link FlushBeforeCloseSession}, and every session's frames as the instance
 * stops: {@link OpenSessions}), and long messages arrive in parts, so each session holds small buffers. The endpoints, relay and interceptor are configured in {@link WebSocketConfig}.
 */
@Configuration(proxyBeanMethods = false)
class BrokerConfiguration extends DelegatingWebSocketMessageBrokerConfiguration {

    private final OpenSessions openSessions;

    BrokerConfiguration(OpenSessions openSessions) {
        this.openSessions = openSessions;
    }

    /** Sessions that deliver their ERROR frame before they close ({@link FlushBeforeCloseSession}). */
    @Bean
    @Override
    public WebSocketHandler subProtocolWebSocketHandler(AbstractSubscribableChannel clientInboundChannel,
            AbstractSubscribableChannel clientOutboundChannel) {
        SubProtocolWebSocketHandler handler = new SubProtocolWebSocketHandler(clientInboundChannel, clientOutboundChannel) {
            @Override
            protected WebSocketSession decorateSession(WebSocketSession session) {
                FlushBeforeCloseSession decorated = new FlushBeforeCloseSession(session, getSendTimeLimit(),
                        getSendBufferSizeLimit()) {
                    /**
                     * Spring's STOMP handler raises Tomcat's text buffer of every session to 16 KiB (32 KiB of
                     * chars) so that whole frames fit; with messages taken in parts that buffer is only a chunk.
                     */
                    @Override
                    public void setTextMessageSizeLimit(int messageSizeLimit) {
                    }
                };
                openSessions.opened(decorated);
                return decorated;
            }

            @Override
            public void afterConnectionClosed(WebSocketSession session, CloseStatus closeStatus) throws Exception {
                openSessions.closed(session.getId());
                super.afterConnectionClosed(session, closeStatus);
            }

            /**
             * Tomcat hands over parts of a long message instead of holding a buffer of the largest frame (128 KiB)
             * for every session; the STOMP decoder joins them, up to {@link WebSocketConfig#MAX_FRAME_BYTES}.
             */
            @Override
            public boolean supportsPartialMessages() {
                return true;
            }
        };
        handler.setPhase(getPhase());
        return handler;
    }

    @Bean
    @Override
    public UserDestinationResolver userDestinationResolver(SimpUserRegistry userRegistry,
            AbstractSubscribableChannel clientInboundChannel, AbstractSubscribableChannel clientOutboundChannel) {
        return new ExchangeUserDestinationResolver(userRegistry);
    }
}
