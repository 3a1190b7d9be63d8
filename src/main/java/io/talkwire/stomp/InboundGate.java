package io.talkwire.stomp;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.messaging.support.AbstractMessageChannel;
import org.springframework.stereotype.Component;

/**
 * Fits {@link StompHandler} to the inbound channel once every bean exists, before the web server takes connections.
 * Registered while the channel is built, the gate would have to exist before the channel, and so before everything it
 * needs that needs the channel in turn (the relay, the user registry, the outbound channel): a cycle of beans.
 */
@Component
class InboundGate implements SmartInitializingSingleton {

    private final AbstractMessageChannel clientInboundChannel;

    private final StompHandler stompHandler;

    InboundGate(@Qualifier("clientInboundChannel") AbstractMessageChannel clientInboundChannel,
            StompHandler stompHandler) {
        this.clientInboundChannel = clientInboundChannel;
        this.stompHandler = stompHandler;
    }

    @Override
    public void afterSingletonsInstantiated() {
        // first: Spring's own interceptor, last in the chain, makes the headers immutable (the gate sets the user)
        clientInboundChannel.addInterceptor(0, stompHandler);
    }
}
