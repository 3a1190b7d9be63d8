package io.talkwire.stomp;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.Duration;
import java.util.List;

import javax.crypto.spec.SecretKeySpec;

import io.talkwire.TalkwireProperties;
import io.talkwire.TalkwireProperties.Fanout;
import io.talkwire.TalkwireProperties.Limits;
import io.talkwire.chat.SendsInFlight;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.messaging.Message;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.ExecutorSubscribableChannel;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.socket.messaging.DefaultSimpUserRegistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/**
 * Hand-built frames through {@link StompHandler}, as spring-websocket-portfolio's context tests do: the CONNECT
 * and SEND rules, which need no database. Room subscriptions are covered by the integration tests.
 */
class StompHandlerTest {

    private static final String SEND_REFUSED =
            "SEND is allowed only to /app/rooms.{roomId}.send and /app/rooms.{roomId}.typing";

    private static final SecretKeySpec KEY = new SecretKeySpec(
            "a-test-secret-of-at-least-32-bytes!!".getBytes(StandardCharsets.UTF_8), "HmacSHA256");

    private static final DefaultSimpUserRegistry REGISTRY = new DefaultSimpUserRegistry();

    private final JwtEncoder encoder = NimbusJwtEncoder.withSecretKey(KEY).algorithm(MacAlgorithm.HS256).build();

    private final SendsInFlight sendsInFlight = new SendsInFlight();

    /** Session s1 is connected and live; any other has ended (or never connected). */
    private final SessionEnds sessionEnds = mock(SessionEnds.class);

    {
        when(sessionEnds.isLive("s1")).thenReturn(true);
        when(sessionEnds.whyEnded(any())).thenReturn(SessionEnds.ENDED);
    }

    private final StompHandler handler = new StompHandler(
            NimbusJwtDecoder.withSecretKey(KEY).macAlgorithm(MacAlgorithm.HS256).build(), null, null,
            REGISTRY, new SessionsPerUser(REGISTRY, "test-instance"), sessionEnds, null,
            new TalkwireProperties(List.of(), new Limits(10, 20, 20, 100, 5, 30, 20), Fanout.BROKER,
                    Duration.ofSeconds(1)), sendsInFlight);

    private final ExecutorSubscribableChannel channel = new ExecutorSubscribableChannel();

    @Test
    void connectWithAValidTokenSetsTheUser() {
        Message<?> connect = connect("Bearer " + token(Instant.now().plusSeconds(60)));
        Message<?> accepted = handler.preSend(connect, channel);
        assertThat(StompHeaderAccessor.wrap(accepted).getUser()).isInstanceOf(JwtAuthenticationToken.class)
            .extracting(user -> user.getName()).isEqualTo("alice");
    }

    @Test
    void connectRefusals() {
        assertRefused(connect(null), "CONNECT needs the header Authorization: Bearer <accessToken>");
        assertRefused(connect("Basic YWxpY2U6cHc="), "the Authorization header must be 'Bearer <accessToken>'");
        assertRefused(connect("Bearer "), "the Authorization header must be 'Bearer <accessToken>'");
        assertRefused(connect("Bearer x.y.z"), "the access token is malformed or not signed by Talkwire");
        assertRefused(connect("Bearer " + token(Instant.now().minusSeconds(120))), SessionEnds.EXPIRED);
    }

    @ParameterizedTest
    @ValueSource(strings = { "/topic/rooms.1", "/exchange/amq.topic/rooms.1", "/queue/x", "/amq/queue/x", "/temp-queue/x",
            "/app/rooms.1.send/", "/app/rooms..send", "/app/rooms.-1.send", "/APP/rooms.1.send", "/app/rooms.1234567890123456789.send",
            "/app/rooms.1.typing/", "/app/rooms..typing", "/app/rooms.1.Typing", "/app/rooms.1.typingx", "/app/rooms.typing", "" })
    void sendOnlyToRoomSendDestinations(String destination) {
        StompHeaderAccessor send = StompHeaderAccessor.create(StompCommand.SEND);
        send.setDestination(destination);
        send.setSessionId("s1");
        send.setUser(() -> "alice");
        assertRefused(MessageBuilder.createMessage(new byte[0], send.getMessageHeaders()), SEND_REFUSED);
    }

    @Test
    void aSendIsInFlightFromTheGateUntilItsHandlingReturns() {
        StompHeaderAccessor send = StompHeaderAccessor.create(StompCommand.SEND);
        send.setDestination("/app/rooms.1.send");
        send.setSessionId("s1");
        send.setUser(() -> "alice");
        Message<?> frame = MessageBuilder.createMessage(new byte[0], send.getMessageHeaders());

        handler.preSend(frame, channel);
        assertThat(sendsInFlight.any()).isTrue();
        handler.afterSendCompletion(frame, channel, true, null);
        assertThat(sendsInFlight.any()).isFalse();

        StompHeaderAccessor refused = StompHeaderAccessor.create(StompCommand.SEND);
        refused.setDestination("/topic/rooms.1");
        refused.setSessionId("s1");
        refused.setUser(() -> "alice");
        assertRefused(MessageBuilder.createMessage(new byte[0], refused.getMessageHeaders()), SEND_REFUSED);
        assertThat(sendsInFlight.any()).as("a refused SEND never counts").isFalse();
    }

    @Test
    void aTypingNoticePassesTheGateWithoutCountingAsASendInFlight() {
        StompHeaderAccessor typing = StompHeaderAccessor.create(StompCommand.SEND);
        typing.setDestination("/app/rooms.1.typing");
        typing.setSessionId("s1");
        typing.setUser(() -> "alice");
        Message<?> frame = MessageBuilder.createMessage(new byte[0], typing.getMessageHeaders());

        assertThat(handler.preSend(frame, channel)).isSameAs(frame);
        assertThat(sendsInFlight.any()).as("the group commit never waits for a typing notice").isFalse();
        handler.afterSendCompletion(frame, channel, true, null);
        assertThat(sendsInFlight.any()).isFalse();

        // and a send in flight at the same time still counts until it is handled
        StompHeaderAccessor send = StompHeaderAccessor.create(StompCommand.SEND);
        send.setDestination("/app/rooms.1.send");
        send.setSessionId("s1");
        send.setUser(() -> "alice");
        Message<?> message = MessageBuilder.createMessage(new byte[0], send.getMessageHeaders());
        handler.preSend(message, channel);
        handler.preSend(frame, channel);
        handler.afterSendCompletion(frame, channel, true, null);
        assertThat(sendsInFlight.any()).isTrue();
        handler.afterSendCompletion(message, channel, true, null);
        assertThat(sendsInFlight.any()).isFalse();
    }

    @Test
    void framesBeforeConnectAreRefused() {
        StompHeaderAccessor send = StompHeaderAccessor.create(StompCommand.SEND);
        send.setDestination("/app/rooms.1.send");
        assertRefused(MessageBuilder.createMessage(new byte[0], send.getMessageHeaders()), "CONNECT first");
    }

    /** After its DISCONNECT (the socket still open), its token's expiry or its user's sign-out: nothing passes. */
    @ParameterizedTest
    @ValueSource(strings = { "SEND", "SUBSCRIBE", "UNSUBSCRIBE", "ACK", "NACK" })
    void framesOfASessionThatHasEndedAreRefused(String command) {
        StompHeaderAccessor frame = StompHeaderAccessor.create(StompCommand.valueOf(command));
        frame.setDestination("/app/rooms.1.send");
        frame.setSubscriptionId("sub-0");
        frame.setSessionId("ended");
        frame.setUser(() -> "alice");

        assertRefused(MessageBuilder.createMessage(new byte[0], frame.getMessageHeaders()), SessionEnds.ENDED);
        assertThat(sendsInFlight.any()).isFalse();
    }

    private void assertRefused(Message<?> frame, String reason) {
        assertThatThrownBy(() -> handler.preSend(frame, channel)).isInstanceOf(StompRejectedException.class)
            .hasMessage(reason);
    }

    private static Message<?> connect(String authorization) {
        StompHeaderAccessor connect = StompHeaderAccessor.create(StompCommand.CONNECT);
        if (authorization != null) {
            connect.setNativeHeader("Authorization", authorization);
        }
        connect.setSessionId("s1");
        connect.setLeaveMutable(true);
        return MessageBuilder.createMessage(new byte[0], connect.getMessageHeaders());
    }

    private String token(Instant expiresAt) {
        JwtClaimsSet claims = JwtClaimsSet.builder().subject("alice").issuedAt(expiresAt.minusSeconds(3600))
            .expiresAt(expiresAt).build();
        return encoder.encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).build(), claims)).getTokenValue();
    }
}
