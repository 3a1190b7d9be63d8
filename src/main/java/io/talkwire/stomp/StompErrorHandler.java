package io.talkwire.stomp;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.messaging.Message;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompDecoder;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.util.MimeTypeUtils;
import org.springframework.web.socket.messaging.StompSubProtocolErrorHandler;

/**
 * ERROR frames that say why in their {@code message} header, and never leak internals: Spring would otherwise
 * answer an interceptor's exception with "Failed to send message to ExecutorSubscribableChannel[...]".
 */
class StompErrorHandler extends StompSubProtocolErrorHandler {

    private static final Logger log = LoggerFactory.getLogger(StompErrorHandler.class);

    @Override
    public @Nullable Message<byte[]> handleClientMessageProcessingError(@Nullable Message<byte[]> clientMessage,
            Throwable ex) {
        StompHeaderAccessor error = StompHeaderAccessor.create(StompCommand.ERROR);
        error.setMessage(reasonFor(ex));
        error.setContentType(MimeTypeUtils.TEXT_PLAIN);
        if (clientMessage != null) {
            StompHeaderAccessor client = StompHeaderAccessor.wrap(clientMessage);
            if (client.getReceipt() != null) {
                error.setReceiptId(client.getReceipt());
            }
        }
        byte[] body = error.getMessage().getBytes(StandardCharsets.UTF_8);
        return MessageBuilder.createMessage(body, error.getMessageHeaders());
    }

    private static String reasonFor(Throwable ex) {
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            if (cause instanceof StompRejectedException rejected) {
                log.debug("Refused a STOMP frame: {}", rejected.getMessage());
                return rejected.getMessage();
            }
        }
        if (ex.getClass().getName().startsWith("org.springframework.messaging.simp.stomp.Stomp") || fromTheDecoder(ex)) {
            // StompConversionException and friends, or an unknown command: the frame itself is broken or too large
            log.info("Refused a malformed or oversized STOMP frame: {}", ex.getMessage());
            return "malformed or oversized STOMP frame";
        }
        if (ex instanceof IllegalStateException && ex.getMessage() != null && ex.getMessage().startsWith("Unknown session")) {
            // Spring's answer to a frame before CONNECT
            log.debug("Refused a STOMP frame before CONNECT");
            return "CONNECT first";
        }
        if (ex instanceof IllegalStateException && "Session already exists".equals(ex.getMessage())) {
            // Spring's answer to a second CONNECT on one connection
            log.debug("Refused a second CONNECT");
            return StompHandler.ALREADY_CONNECTED;
        }
        log.warn("Closing a STOMP session after an internal error", ex);
        return "internal server error";
    }

    private static boolean fromTheDecoder(Throwable ex) {
        return Arrays.stream(ex.getStackTrace())
            .anyMatch(frame -> frame.getClassName().equals(StompDecoder.class.getName()));
    }
}
