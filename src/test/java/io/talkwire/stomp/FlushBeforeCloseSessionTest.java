package io.talkwire.stomp;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.PingMessage;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.sockjs.transport.SockJsSession;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/**
 * An ordered frame's release belongs to that frame, not to whichever frame of the session is buffered first; a
 * protocol-error close always closes.
 */
class FlushBeforeCloseSessionTest {

    @Test
    void aFrameOfAnotherThreadDoesNotReleaseTheNextOrderedFrame() throws Exception {
        WebSocketSession socket = mock(WebSocketSession.class);
        when(socket.isOpen()).thenReturn(true);
        when(socket.getId()).thenReturn("s1");
        FlushBeforeCloseSession session = new FlushBeforeCloseSession(socket, 10_000, 1024 * 1024);
        List<String> released = new ArrayList<>();
        TextMessage message = new TextMessage("MESSAGE 716");

        // as Spring's StompSubProtocolHandler does for an ordered frame: the release, then the frame, on one thread
        session.setMessageCallback(buffered -> released.add(((TextMessage) buffered).getPayload()));
        // meanwhile a RECEIPT is written by another thread
        Thread receipt = Thread.ofVirtual().start(() -> send(session, new TextMessage("RECEIPT")));
        receipt.join();
        assertThat(released).as("released by the RECEIPT").isEmpty();

        send(session, message);
        assertThat(released).containsExactly("MESSAGE 716");

        send(session, new TextMessage("RECEIPT 2"));
        assertThat(released).as("released once").containsExactly("MESSAGE 716");
    }

    /**
     * Closing for a protocol error while a frame is still in the buffer and nobody is writing it: the session flushes
     * it first, on SockJS (text only, no ping) with a heart-beat, and then closes.
     */
    @Test
    void aSockJsSessionClosedWithAFrameInTheBufferWritesItAndCloses() throws Exception {
        SockJsSession socket = mock(SockJsSession.class);
        when(socket.isOpen()).thenReturn(true);
        when(socket.getId()).thenReturn("s2");
        doThrow(new IllegalArgumentException("SockJS supports text messages only")).when(socket)
            .sendMessage(any(PingMessage.class));
        FlushBeforeCloseSession session = new FlushBeforeCloseSession(socket, 10_000, 1024 * 1024);

        // the release runs once the ERROR is in the buffer, before this thread writes it: close from there
        session.setMessageCallback(buffered -> {
            try {
                session.close(CloseStatus.PROTOCOL_ERROR);
            }
            catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
        });
        assertThatCode(() -> session.sendMessage(new TextMessage("ERROR"))).doesNotThrowAnyException();

        InOrder order = inOrder(socket);
        order.verify(socket).sendMessage(new TextMessage("ERROR"));
        order.verify(socket).close(CloseStatus.PROTOCOL_ERROR);
    }

    private static void send(FlushBeforeCloseSession session, WebSocketMessage<?> message) {
        try {
            session.sendMessage(message);
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }
}
