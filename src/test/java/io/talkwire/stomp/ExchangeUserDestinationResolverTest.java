package io.talkwire.stomp;

import org.junit.jupiter.api.Test;

import org.springframework.messaging.Message;
import org.springframework.messaging.simp.SimpMessageHeaderAccessor;
import org.springframework.messaging.simp.SimpMessageType;
import org.springframework.messaging.simp.user.UserDestinationResult;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.web.socket.messaging.DefaultSimpUserRegistry;

import static org.assertj.core.api.Assertions.assertThat;

class ExchangeUserDestinationResolverTest {

    private final ExchangeUserDestinationResolver resolver = new ExchangeUserDestinationResolver(new DefaultSimpUserRegistry());

    @Test
    void personalEventsResolveToOneRoutingKeyPerUser() {
        UserDestinationResult result = resolver.resolveDestination(subscribe("/user/queue/events"));
        assertThat(result.getTargetDestinations()).containsExactly("/exchange/amq.direct/events-user.alice");
        assertThat(result.getSubscribeDestination()).isEqualTo("/user/queue/events");
    }

    @Test
    void errorsResolveToARoutingKeyOfTheSession() {
        UserDestinationResult result = resolver.resolveDestination(subscribe("/user/queue/errors"));
        assertThat(result.getTargetDestinations()).containsExactly("/exchange/amq.direct/errors-userinst1-7");
    }

    private static Message<byte[]> subscribe(String destination) {
        SimpMessageHeaderAccessor subscribe = SimpMessageHeaderAccessor.create(SimpMessageType.SUBSCRIBE);
        subscribe.setDestination(destination);
        subscribe.setSessionId("inst1-7");
        subscribe.setUser(() -> "alice");
        return MessageBuilder.createMessage(new byte[0], subscribe.getMessageHeaders());
    }
}
