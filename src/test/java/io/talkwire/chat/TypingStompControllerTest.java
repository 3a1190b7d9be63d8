package io.talkwire.chat;

import java.security.Principal;

import io.talkwire.delivery.EphemeralEvents;
import io.talkwire.delivery.Receipts;
import io.talkwire.room.RoomService;
import org.junit.jupiter.api.Test;

import org.springframework.messaging.Message;
import org.springframework.messaging.simp.SimpMessagingTemplate;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.MessageBuilder;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.atMost;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.mockito.Mockito.withSettings;

class TypingStompControllerTest {

    /** TYPING frames to 100,001 rooms (ids need not exist) from one user leave room for everyone else's. */
    @Test
    void oneUsersFloodToManyRoomsDoesNotSilenceOthers() {
        RoomService rooms = mock(RoomService.class);
        EphemeralEvents events = mock(EphemeralEvents.class);
        when(rooms.canRead(anyLong(), any())).thenReturn(true);
        TypingStompController typing = new TypingStompController(rooms, events, mock(SimpMessagingTemplate.class),
                mock(Receipts.class, withSettings().stubOnly()));

        for (long room = 1; room <= 100_001; room++) {
            typing.typing(room, frame("mallory", "m-1"));
        }
        typing.typing(7, frame("alice", "a-1"));

        verify(rooms, atMost(TypingStompController.PER_USER_PER_SECOND * 10)).canRead(anyLong(), eq("mallory"));
        verify(events).publishExcept(eq(7L), any(), eq("a-1"));
    }

    private static Message<byte[]> frame(String user, String sessionId) {
        StompHeaderAccessor headers = StompHeaderAccessor.create(StompCommand.SEND);
        headers.setSessionId(sessionId);
        Principal principal = () -> user;
        headers.setUser(principal);
        return MessageBuilder.createMessage(new byte[0], headers.getMessageHeaders());
    }
}
