package io.talkwire;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings shared by REST (CORS) and the WebSocket endpoints.
 *
 * @param allowedOrigins origin patterns allowed for WebSocket handshakes and CORS
 */
@ConfigurationProperties("talkwire")
public record TalkwireProperties(@DefaultValue("http://localhost:*") List<String> allowedOrigins) {
}
