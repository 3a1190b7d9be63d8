package io.talkwire.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import io.talkwire.TalkwireProperties;
import io.talkwire.WebSocketPaths;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;

import tools.jackson.databind.json.JsonMapper;

/**
 * HTTP security: REST takes stateless bearer tokens checked by Spring Security's resource server, and the same
 * {@link JwtDecoder} authenticates STOMP CONNECT frames; the WebSocket handshakes have a chain of their own.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfig {

    private static final Logger log = LoggerFactory.getLogger(SecurityConfig.class);

    /**
     * The WebSocket handshakes ({@code /ws}, and SockJS's requests under {@code /ws-sockjs}) carry no credentials:
     * StompHandler authenticates the CONNECT frame that follows (a bearer header on the handshake is ignored). Their
     * chain keeps the firewall (it runs before any chain) and the security headers, and leaves out what only REST needs
     * (bearer tokens, security context, request cache, anonymous user, logout, CORS, authorization), which would
     * otherwise run for every connecting client. SockJS answers its own CORS requests with the allowed origins.
     */
    @Bean
    @Order(1)
    SecurityFilterChain webSocketHandshakes(HttpSecurity http) {
        return http
            .securityMatcher(WebSocketPaths.patterns())
            .csrf(csrf -> csrf.disable())
            .securityContext(context -> context.disable())
            .sessionManagement(session -> session.disable())
            .requestCache(cache -> cache.disable())
            .anonymous(anonymous -> anonymous.disable())
            .logout(logout -> logout.disable())
            .cors(cors -> cors.disable())
            .servletApi(servletApi -> servletApi.disable())
            .exceptionHandling(exceptions -> exceptions.disable())
            .build();
    }

    /**
     * No observation of each filter of each request (a WebSocket handshake too): a cost on every one, and no metric of
     * ours (http.server.requests covers requests); authentications and authorizations are still observed.
     */
    @Bean
    SecurityObservationSettings securityObservationSettings() {
        return SecurityObservationSettings.withDefaults().shouldObserveRequests(false).build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain securityFilterChain(HttpSecurity http, AuthenticationEntryPoint problemEntryPoint) {
        return http
            .csrf(csrf -> csrf.disable())
            .cors(Customizer.withDefaults())
            .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
            .authorizeHttpRequests(requests -> requests
                .requestMatchers(HttpMethod.POST, "/api/auth/signup", "/api/auth/login", "/api/auth/refresh").permitAll()
                .requestMatchers("/api/**").authenticated()
                // the page, /actuator (health and prometheus only) and the API description
                .anyRequest().permitAll())
            .oauth2ResourceServer(resourceServer -> resourceServer
                .bearerTokenResolver(bearerTokens())
                .jwt(Customizer.withDefaults())
                .authenticationEntryPoint(problemEntryPoint))
            .exceptionHandling(exceptions -> exceptions.authenticationEntryPoint(problemEntryPoint))
            .build();
    }

    /**
     * Signup, login and refresh ignore an Authorization header: a client that sends its (expired) access token with
     * every request must still be able to renew it.
     */
    private static BearerTokenResolver bearerTokens() {
        DefaultBearerTokenResolver resolver = new DefaultBearerTokenResolver();
        return request -> request.getRequestURI().matches("/api/auth/(signup|login|refresh)") ? null : resolver.resolve(request);
    }

    /** 401 as problem+json, the same body whatever was wrong with the token. */
    @Bean
    AuthenticationEntryPoint problemEntryPoint(JsonMapper jsonMapper) {
        return (request, response, exception) -> {
            response.setHeader("WWW-Authenticate", "Bearer");
            writeProblem(jsonMapper, response, HttpStatus.UNAUTHORIZED, "A valid bearer token is required");
        };
    }

    /** URLs the firewall refuses (encoded NUL, "..", ...): 400 as problem+json too, not the container's page. */
    @Bean
    RequestRejectedHandler requestRejectedHandler(JsonMapper jsonMapper) {
        return (request, response, exception) -> writeProblem(jsonMapper, response, HttpStatus.BAD_REQUEST,
                "the request URL contains characters that are not allowed");
    }

    private static void writeProblem(JsonMapper jsonMapper, HttpServletResponse response, HttpStatus status,
            String detail) throws IOException {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(status.getReasonPhrase());
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        jsonMapper.writeValue(response.getOutputStream(), problem);
    }

    @Bean
    CorsConfigurationSource corsConfigurationSource(TalkwireProperties properties) {
        CorsConfiguration cors = new CorsConfiguration();
        cors.setAllowedOriginPatterns(properties.allowedOrigins());
        cors.addAllowedMethod("*");
        cors.addAllowedHeader("*");
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        source.registerCorsConfiguration("/api/**", cors);
        return source;
    }

    @Bean
    SecretKey jwtKey(JwtProperties properties) {
        String secret = properties.secret();
        if (secret == null || secret.isBlank()) {
            log.warn("talkwire.jwt.secret is not set: using a random secret. Tokens die with this process "
                + "and are not accepted by other instances. Set TALKWIRE_JWT_SECRET (32+ bytes) in production.");
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            secret = Base64.getEncoder().encodeToString(random);
        }
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < 32) {
            throw new IllegalStateException("talkwire.jwt.secret must be at least 32 bytes, it has " + bytes.length);
        }
        return new SecretKeySpec(bytes, "HmacSHA256");
    }

    @Bean
    JwtEncoder jwtEncoder(SecretKey jwtKey) {
        return NimbusJwtEncoder.withSecretKey(jwtKey).algorithm(MacAlgorithm.HS256).build();
    }

    /**
     * Only HS256 tokens signed with our key, issued by Talkwire, unexpired (5 s clock skew) and of the user's current
     * token generation (not signed out everywhere since); a signature is checked once per token ({@link VerifiedTokens}),
     * the rest at every use.
     */
    @Bean
    JwtDecoder jwtDecoder(SecretKey jwtKey, TokenGenerations generations) {
        NimbusJwtDecoder signatures = NimbusJwtDecoder.withSecretKey(jwtKey).macAlgorithm(MacAlgorithm.HS256).build();
        signatures.setJwtValidator(jwt -> OAuth2TokenValidatorResult.success());
        return new VerifiedTokens(signatures, new DelegatingOAuth2TokenValidator<>(
            new JwtTimestampValidator(Duration.ofSeconds(5)), new JwtIssuerValidator(TokenService.ISSUER), generations));
    }

    @Bean
    PasswordEncoder passwordEncoder() {
        return new LongPasswords(PasswordEncoderFactories.createDelegatingPasswordEncoder());
    }
}
