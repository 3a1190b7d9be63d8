package io.talkwire.stomp;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.ChannelInterceptor;
import org.springframework.messaging.support.MessageHeaderAccessor;

/**
 * Keeps a harmless ERROR of RabbitMQ's STOMP plugin from ending a client's session. A message already on its way to a
 * subscription when the client unsubscribes reaches the plugin after the subscription is gone; the plugin then sends
 * {@code ERROR message:Subscription not found} and carries on, but Spring closes a client's session after any ERROR
 * frame. Seen about once in 30 UNSUBSCRIBEs of a room with a few thousand messages a second (RabbitMQ 3.10); the
 * message was for a subscription the client no longer wants.
 */
class StaleDeliveryErrors implements ChannelInterceptor {

    private static final Logger log = LoggerFactory.getLogger(StaleDeliveryErrors.class);

    static final String STALE_DELIVERY = "Subscription not found";

    @Override
    public @Nullable Message<?> preSend(Message<?> message, MessageChannel channel) {
        StompHeaderAccessor frame = MessageHeaderAccessor.getAccessor(message, StompHeaderAccessor.class);
        if (frame != null && frame.getCommand() == StompCommand.ERROR && STALE_DELIVERY.equals(frame.getMessage())) {
            log.debug("Dropped RabbitMQ's ERROR about a delivery to an ended subscription, session {}",
                    frame.getSessionId());
            return null;
        }
        return message;
    }
}
