package io.talkwire.stomp;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.server.standard.ServletServerContainerFactoryBean;

/** Tomcat buffers 8 KiB text messages by default; STOMP frames may be up to {@link WebSocketConfig#MAX_FRAME_BYTES}. */
@Configuration(proxyBeanMethods = false)
class WebSocketContainerConfig {

    @Bean
    ServletServerContainerFactoryBean webSocketContainer() {
        ServletServerContainerFactoryBean container = new ServletServerContainerFactoryBean();
        container.setMaxTextMessageBufferSize(WebSocketConfig.MAX_FRAME_BYTES);
        container.setMaxBinaryMessageBufferSize(WebSocketConfig.MAX_FRAME_BYTES);
        return container;
    }
}
