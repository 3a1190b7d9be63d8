package io.talkwire.bench.relay;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.messaging.simp.config.MessageBrokerRegistry;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.socket.config.annotation.EnableWebSocketMessageBroker;
import org.springframework.web.socket.config.annotation.StompEndpointRegistry;
import org.springframework.web.socket.config.annotation.WebSocketMessageBrokerConfigurer;

/**
 * The benchmark's second baseline: Spring's STOMP broker relay to RabbitMQ and nothing else, as a tutorial sets it up
 * (the relay's defaults; no authentication, no persistence, no application destination). A SEND to {@code /topic/x} goes
 * through the relay to RabbitMQ, which fans it out to every relayed subscription. It measures what the relay's hop
 * itself costs, the part of Talkwire's {@code broker} mode that Talkwire does not write. Started by the benchmark
 * from its own class path; it reads Talkwire's application.yml (the same RabbitMQ, PostgreSQL for the health check).
 * Not a {@code @Configuration}: Talkwire's component scan, which covers this package in the integration tests, must
 * not find it.
 */
@EnableAutoConfiguration
@EnableWebSocketMessageBroker
public class BareRelay implements WebSocketMessageBrokerConfigurer {

    public static void main(String[] args) {
        SpringApplication.run(BareRelay.class, args);
    }

    @Bean
    SecurityFilterChain open(HttpSecurity http) {
        return http.csrf(csrf -> csrf.disable()).authorizeHttpRequests(requests -> requests.anyRequest().permitAll()).build();
    }

    @Override
    public void registerStompEndpoints(StompEndpointRegistry registry) {
        registry.addEndpoint("/ws").setAllowedOriginPatterns("*");
    }

    @Override
    public void configureMessageBroker(MessageBrokerRegistry registry) {
        registry.enableStompBrokerRelay("/topic")
            .setRelayHost("127.0.0.1")
            .setRelayPort(61613)
            .setClientLogin("guest")
            .setClientPasscode("guest")
            .setSystemLogin("guest")
            .setSystemPasscode("guest")
            .setVirtualHost("/");
    }
}
