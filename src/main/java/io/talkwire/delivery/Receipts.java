package io.talkwire.delivery;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.stereotype.Component;

/**
 * RECEIPT frames for what Talkwire handles itself (SENDs to {@code /app}, room subscriptions): Spring's relay only
 * receipts frames that reach the broker.
 */
@Component
public class Receipts {

    private static final byte[] EMPTY = new byte[0];

    private final MessageChannel clientOutboundChannel;

    Receipts(@Qualifier("clientOutboundChannel") MessageChannel clientOutboundChannel) {
        this.clientOutboundChannel = clientOutboundChannel;
    }

    /** Answers the frame's {@code receipt} header, if it has one. */
    public void answer(StompHeaderAccessor frame) {
        if (frame.getReceipt() == null) {
            return;
        }
        StompHeaderAccessor receipt = StompHeaderAccessor.create(StompCommand.RECEIPT);
        receipt.setSessionId(frame.getSessionId());
        receipt.setReceiptId(frame.getReceipt());
        clientOutboundChannel.send(MessageBuilder.createMessage(EMPTY, receipt.getMessageHeaders()));
    }
}
