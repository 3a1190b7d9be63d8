package io.talkwire.chat;

import java.security.Principal;
import java.util.concurrent.CompletionException;

import io.talkwire.chat.ChatEvents.ErrorEvent;
import io.talkwire.chat.ChatEvents.SendRequest;
import io.talkwire.delivery.Receipts;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageDeliveryException;
import org.springframework.messaging.handler.annotation.DestinationVariable;
import org.springframework.messaging.handler.annotation.MessageExceptionHandler;
import org.springframework.messaging.handler.annotation.MessageMapping;
import org.springframework.messaging.simp.SimpMessageHeaderAccessor;
import org.springframework.messaging.simp.SimpMessageType;
import org.springframework.messaging.simp.SimpMessagingTemplate;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.stereotype.Controller;
import org.springframework.transaction.TransactionException;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/** {@code SEND /app/rooms.{roomId}.send}: commit, publish, then RECEIPT; or an ERROR event and no RECEIPT. */
@Controller
class ChatStompController {

    private static final Logger log = LoggerFactory.getLogger(ChatStompController.class);

    static final int MAX_BODY_BYTES = 64 * 1024;

    private final ChatService chat;

    private final JsonMapper json;

    private final SimpMessagingTemplate template;

    private final Receipts receipts;

    private final SendMeters meters;

    ChatStompController(ChatService chat, JsonMapper json, SimpMessagingTemplate template,
            Receipts receipts, SendMeters meters) {
        this.chat = chat;
        this.json = json;
        this.template = template;
        this.receipts = receipts;
        this.meters = meters;
    }

    @MessageMapping("rooms.{roomId}.send")
    void send(@DestinationVariable long roomId, Message<byte[]> frame) {
        String sender = sender(frame);
        String sessionId = SimpMessageHeaderAccessor.getSessionId(frame.getHeaders());
        if (sessionId == null) {
            throw new MessageDeliveryException(frame, "the frame has no session");
        }
        chat.send(roomId, sender, sessionId, parse(frame.getPayload())).whenComplete((stored, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                refused(cause instanceof Exception ex ? ex : new IllegalStateException(cause), frame, sender);
            }
            else {
                receipts.answer(StompHeaderAccessor.wrap(frame)); // only after the commit
            }
        });
    }

    /** The failed send's own session hears why on /user/queue/errors; the connection stays open. */
    @MessageExceptionHandler
    void failed(Exception ex, Message<byte[]> frame) {
        Principal user = SimpMessageHeaderAccessor.getUser(frame.getHeaders());
        if (user != null) { // there always is one (StompHandler)
            refused(ex, frame, user.getName());
        }
    }

    private void refused(Exception ex, Message<byte[]> frame, String sender) {
        ErrorEvent error = switch (ex) {
            case SendRejectedException rejected -> event(rejected.code(), rejected.getReason(), frame);
            case DataAccessException unavailable -> unavailable(unavailable, frame);
            case TransactionException unavailable -> unavailable(unavailable, frame);
            default -> {
                log.error("Send to {} failed", SimpMessageHeaderAccessor.getDestination(frame.getHeaders()), ex);
                yield event("INTERNAL", "the message could not be sent", frame);
            }
        };
        meters.refused(error.code());
        SimpMessageHeaderAccessor headers = SimpMessageHeaderAccessor.create(SimpMessageType.MESSAGE);
        headers.setSessionId(SimpMessageHeaderAccessor.getSessionId(frame.getHeaders()));
        headers.setLeaveMutable(true);
        template.convertAndSendToUser(sender, "/queue/errors", error, headers.getMessageHeaders());
    }

    /**
     * Who sent the frame (StompHandler lets no frame past CONNECT without its user). Read from the headers, not taken as
     * a {@code Principal} argument: Spring resolves that argument with a fresh parse of the method's parameter
     * annotations for every frame (to see whether it is optional), a fifth of the time a SEND took to handle.
     */
    static String sender(Message<?> frame) {
        Principal user = SimpMessageHeaderAccessor.getUser(frame.getHeaders());
        if (user == null) {
            throw new MessageDeliveryException(frame, "the frame has no authenticated user");
        }
        return user.getName();
    }

    private ErrorEvent unavailable(Exception ex, Message<byte[]> frame) {
        log.warn("Send to {} failed: {}", SimpMessageHeaderAccessor.getDestination(frame.getHeaders()), ex.getMessage());
        return event("UNAVAILABLE", "the database failed; send it again with the same clientMessageId (it is stored once)",
                frame);
    }

    private SendRequest parse(byte[] body) {
        if (body.length > MAX_BODY_BYTES) {
            throw SendRejectedException.invalid("TOO_LARGE", "the frame body is over " + MAX_BODY_BYTES + " bytes");
        }
        try {
            SendRequest request = json.readValue(body, SendRequest.class);
            if (request == null) {
                throw SendRejectedException.invalid("INVALID_JSON", "the body must be a JSON object");
            }
            return request;
        }
        catch (JacksonException ex) {
            throw SendRejectedException.invalid("INVALID_JSON",
                    "the body must be {\"content\":string,\"clientMessageId\":string?}");
        }
    }

    private ErrorEvent event(String code, @Nullable String message, Message<byte[]> frame) {
        return new ErrorEvent(code, message == null ? code : message, StompHeaderAccessor.wrap(frame).getReceipt(),
                clientMessageIdOf(frame.getPayload()));
    }

    private @Nullable String clientMessageIdOf(byte[] body) {
        try {
            return body.length > MAX_BODY_BYTES ? null : json.readValue(body, SendRequest.class).clientMessageId();
        }
        catch (RuntimeException unreadable) {
            return null;
        }
    }
}
