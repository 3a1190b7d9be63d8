package io.talkwire.stomp;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.PingMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.ConcurrentWebSocketSessionDecorator;

/**
 * Writes a STOMP ERROR frame before closing. Spring closes a session right after writing its ERROR frame, but when
 * another thread is still writing to the session (the CONNECTED frame, a MESSAGE), the ERROR waits in the buffer
 * and a plain close drops it: the client sees the connection end without knowing why. Here a protocol-error close
 * first lets the other writer finish, then flushes what is left.
 */
class FlushBeforeCloseSession extends ConcurrentWebSocketSessionDecorator {

    private static final long MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    FlushBeforeCloseSession(WebSocketSession delegate, int sendTimeLimit, int bufferSizeLimit) {
        super(delegate, sendTimeLimit, bufferSizeLimit);
    }

    @Override
    public void close(CloseStatus status) throws IOException {
        if (CloseStatus.PROTOCOL_ERROR.equals(status)) {
            long deadline = System.nanoTime() + MAX_WAIT_NANOS;
            while (getBufferSize() > 0 && isOpen() && System.nanoTime() < deadline) {
                if (getTimeSinceSendStarted() == 0) {
                    sendMessage(new PingMessage()); // nobody is writing: flush the buffer from here
                }
                else {
                    Thread.onSpinWait();
                }
            }
        }
        super.close(status);
    }
}
