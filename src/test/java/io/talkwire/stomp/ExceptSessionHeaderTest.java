package io.talkwire.stomp;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import org.springframework.messaging.Message;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.ExecutorSubscribableChannel;
import org.springframework.messaging.support.MessageBuilder;

import static org.assertj.core.api.Assertions.assertThat;

/** Frames as the relay hands them to the outbound channel, through {@link ExceptSessionHeader}. */
class ExceptSessionHeaderTest {

    private static final String HEADER = "talkwire-except-session";

    private final ExceptSessionHeader interceptor = new ExceptSessionHeader();

    private final ExecutorSubscribableChannel channel = new ExecutorSubscribableChannel();

    @Test
    void theNamedSessionGetsNothingAndTheOthersGetTheFrameWithoutTheHeader() {
        assertThat(interceptor.preSend(message("s1", "s1", true), channel)).isNull();
        assertThat(interceptor.preSend(message("s1", "s1", false), channel)).isNull();

        for (boolean mutable : new boolean[] { true, false }) {
            Message<?> passed = interceptor.preSend(message("s2", "s1", mutable), channel);
            assertThat(passed).isNotNull();
            StompHeaderAccessor frame = StompHeaderAccessor.wrap(passed);
            assertThat(frame.getFirstNativeHeader(HEADER)).isNull();
            assertThat(frame.getSessionId()).isEqualTo("s2");
            assertThat(frame.getSubscriptionId()).isEqualTo("sub-1");
            assertThat(frame.getFirstNativeHeader("content-type")).isEqualTo("application/json");
            assertThat(new String((byte[]) passed.getPayload(), StandardCharsets.UTF_8)).isEqualTo("{}");
        }
    }

    @Test
    void otherFramesPassAsTheyAre() {
        Message<?> plain = message("s1", null, true);
        assertThat(interceptor.preSend(plain, channel)).isSameAs(plain);

        StompHeaderAccessor error = StompHeaderAccessor.create(StompCommand.ERROR);
        error.setSessionId("s1");
        error.setNativeHeader(HEADER, "s1");
        Message<?> notAMessage = MessageBuilder.createMessage(new byte[0], error.getMessageHeaders());
        assertThat(interceptor.preSend(notAMessage, channel)).isSameAs(notAMessage);
    }

    private static Message<byte[]> message(String sessionId, String except, boolean mutable) {
        StompHeaderAccessor frame = StompHeaderAccessor.create(StompCommand.MESSAGE);
        frame.setSessionId(sessionId);
        frame.setSubscriptionId("sub-1");
        frame.setDestination("/topic/rooms.1");
        frame.setNativeHeader("content-type", "application/json");
        if (except != null) {
            frame.setNativeHeader(HEADER, except);
        }
        frame.setLeaveMutable(mutable);
        return MessageBuilder.createMessage(new byte[] { '{', '}' }, frame.getMessageHeaders());
    }
}
