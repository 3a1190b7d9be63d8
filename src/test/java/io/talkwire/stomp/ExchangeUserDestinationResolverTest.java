package io.talkwire.stomp;

import org.junit.jupiter.api.Test;

import org.springframework.messaging.simp.SimpMessageHeaderAccessor;
import org.springframework.messaging.simp.SimpMessageType;
import org.springframework.messaging.simp.user.UserDestinationResult;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.web.socket.messaging.DefaultSimpUserRegistry;

import static org.assertj.core.api.Assertions.assertThat;

class ExchangeUserDestinationResolverTest {

    @Test
    void personalQueuesResolveToAmqDirectRoutingKeysOfTheSession() {
        var resolver = new ExchangeUserDestinationResolver(new DefaultSimpUserRegistry());
        SimpMessageHeaderAccessor subscribe = SimpMessageHeaderAccessor.create(SimpMessageType.SUBSCRIBE);
        subscribe.setDestination("/user/queue/events");
        subscribe.setSessionId("inst1-7");
        subscribe.setUser(() -> "alice");

        UserDestinationResult result = resolver.resolveDestination(
                MessageBuilder.createMessage(new byte[0], subscribe.getMessageHeaders()));

        assertThat(result.getTargetDestinations()).containsExactly("/exchange/amq.direct/events-userinst1-7");
        assertThat(result.getSubscribeDestination()).isEqualTo("/user/queue/events");
    }
}
