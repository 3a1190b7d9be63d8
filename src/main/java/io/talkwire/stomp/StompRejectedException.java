package io.talkwire.stomp;

import org.springframework.messaging.MessageDeliveryException;

/** A frame refused by {@link StompHandler}: the client gets an ERROR frame with this reason, then is disconnected. */
class StompRejectedException extends MessageDeliveryException {

    StompRejectedException(String reason) {
        super(reason);
    }
}
