package io.talkwire.chat;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import org.jspecify.annotations.Nullable;

/** What the chat feature puts on the wire besides REST bodies. */
final class ChatEvents {

    private ChatEvents() {
    }

    /** {@code {"type":"MESSAGE", ...Message}} on {@code /topic/rooms.{id}}. */
    @JsonPropertyOrder("type")
    record MessageEvent(@JsonUnwrapped ChatMessage message) {

        public String getType() {
            return "MESSAGE";
        }
    }

    /** {@code {"type":"TYPING","roomId":n,"user":"alice"}} on {@code /topic/rooms.{id}}, to all but its session. */
    record TypingEvent(String type, long roomId, String user) {

        TypingEvent(long roomId, String user) {
            this("TYPING", roomId, user);
        }
    }

    /** {@code {"type":"MENTION","roomId":n,"seq":n,"from":"alice"}} on {@code /user/queue/events} of the user named. */
    record MentionEvent(String type, long roomId, long seq, String from) {

        MentionEvent(long roomId, long seq, String from) {
            this("MENTION", roomId, seq, from);
        }
    }

    /** On {@code /user/queue/errors}, to the session whose SEND failed. */
    record ErrorEvent(String type, String code, String message, @Nullable String receiptId,
            @Nullable String clientMessageId) {

        ErrorEvent(String code, String message, @Nullable String receiptId, @Nullable String clientMessageId) {
            this("ERROR", code, message, receiptId, clientMessageId);
        }
    }

    /** The body of a send, over STOMP or REST. */
    record SendRequest(@Nullable String content, @Nullable String clientMessageId) {
    }
}
