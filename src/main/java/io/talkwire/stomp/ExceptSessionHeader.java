package io.talkwire.stomp;

import io.talkwire.delivery.RoomRoutes;
import org.jspecify.annotations.Nullable;

import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.ChannelInterceptor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.messaging.support.MessageHeaderAccessor;

/**
 * Keeps a room event that RabbitMQ fanned out ({@code talkwire.fanout=broker}) from the one session it must not reach:
 * a TYPING event is published once to {@code amq.topic} and so reaches every subscription of the room, its sender's
 * too. It carries the sender's session in the AMQP header {@value RoomRoutes#EXCEPT_SESSION_HEADER}, which RabbitMQ's
 * STOMP plugin turns into a header of each MESSAGE frame; that session's frame is dropped here, and the header is taken
 * off the others' (a session id is nobody else's business). In {@code instance} mode the event never reaches the
 * session's frames at all.
 */
class ExceptSessionHeader implements ChannelInterceptor {

    @Override
    public @Nullable Message<?> preSend(Message<?> message, MessageChannel channel) {
        StompHeaderAccessor frame = MessageHeaderAccessor.getAccessor(message, StompHeaderAccessor.class);
        if (frame == null || frame.getCommand() != StompCommand.MESSAGE) {
            return message;
        }
        String except = frame.getFirstNativeHeader(RoomRoutes.EXCEPT_SESSION_HEADER);
        if (except == null) {
            return message;
        }
        if (except.equals(frame.getSessionId())) {
            return null;
        }
        if (frame.isMutable()) {
            // the relay's frames are (the outbound channel's ordering needs them so): changed where they are
            frame.removeNativeHeader(RoomRoutes.EXCEPT_SESSION_HEADER);
            return message;
        }
        StompHeaderAccessor copy = StompHeaderAccessor.wrap(message);
        copy.removeNativeHeader(RoomRoutes.EXCEPT_SESSION_HEADER);
        return MessageBuilder.createMessage(message.getPayload(), copy.getMessageHeaders());
    }
}
