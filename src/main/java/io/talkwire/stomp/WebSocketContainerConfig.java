package io.talkwire.stomp;

import io.talkwire.TalkwireApplication;

import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.server.standard.ServletServerContainerFactoryBean;

/**
 * Small per-connection buffers, so that 10,000 sessions fit in a modest heap. Tomcat allocates its buffers for every
 * WebSocket session up front (8 KiB each by default, several per session); long messages are handed over in parts
 * ({@link BrokerConfiguration}) and joined by the STOMP decoder, so small buffers limit nothing but the chunk size.
 * {@link TalkwireApplication#main} also lowers Tomcat's WebSocket read and write buffers.
 */
@Configuration(proxyBeanMethods = false)
class WebSocketContainerConfig {

    private static final int BUFFER_BYTES = TalkwireApplication.CONNECTION_BUFFER_BYTES;

    @Bean
    ServletServerContainerFactoryBean webSocketContainer() {
        ServletServerContainerFactoryBean container = new ServletServerContainerFactoryBean();
        container.setMaxTextMessageBufferSize(BUFFER_BYTES / 2);
        container.setMaxBinaryMessageBufferSize(BUFFER_BYTES / 2);
        return container;
    }

    @Bean
    TomcatConnectorCustomizer smallSocketBuffers() {
        return connector -> {
            connector.setProperty("socket.appReadBufSize", String.valueOf(BUFFER_BYTES));
            connector.setProperty("socket.appWriteBufSize", String.valueOf(BUFFER_BYTES));
        };
    }
}
