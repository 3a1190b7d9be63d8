package io.talkwire.stomp;

import org.springframework.messaging.Message;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.MessageHeaderAccessor;

/**
 * A harmless ERROR of RabbitMQ's STOMP plugin. A message already on its way to a subscription when the client
 * unsubscribes reaches the plugin after the subscription is gone; the plugin then sends
 * {@code ERROR message:Subscription not found} and carries on, but Spring's relay logs any ERROR frame as an error and
 * passes it on, and Spring closes a client's session after it. Seen about once in 30 UNSUBSCRIBEs of a room with a few
 * thousand messages a second; the message was for a subscription the client no longer wants. {@link RelayTcpClient}
 * drops these frames as it decodes them.
 */
final class StaleDeliveryErrors {

    private static final String STALE_DELIVERY = "Subscription not found";

    private StaleDeliveryErrors() {
    }

    static boolean isStale(Message<byte[]> frame) {
        StompHeaderAccessor headers = MessageHeaderAccessor.getAccessor(frame, StompHeaderAccessor.class);
        return headers != null && headers.getCommand() == StompCommand.ERROR
                && STALE_DELIVERY.equals(headers.getMessage());
    }
}
