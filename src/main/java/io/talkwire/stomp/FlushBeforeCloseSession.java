package io.talkwire.stomp;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.PingMessage;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.ConcurrentWebSocketSessionDecorator;
import org.springframework.web.socket.handler.WebSocketSessionDecorator;
import org.springframework.web.socket.sockjs.transport.SockJsSession;

/**
 * Writes a STOMP ERROR frame before closing. Spring closes a session right after handing over its ERROR frame, but
 * when another thread is still writing to the session (the CONNECTED frame, a MESSAGE), the ERROR is either still in
 * the buffer or being written by that thread, and a plain close drops it or cuts it off: the client sees the
 * connection end without knowing why. Here a protocol-error close waits until every frame handed over has been
 * written to the socket (flushing the buffer itself when nobody else is writing), for at most 250 ms (a client that
 * stops reading cannot hold the closing thread longer). {@link OpenSessions} waits on {@link #writing()} as the
 * instance stops.
 *
 * <p>It also keeps each ordered frame's release to that frame. Frames that must keep their order (a room
 * subscription's, the relay's) are handed over one at a time: Spring sets a callback on the session just before it
 * writes such a frame, and the next frame is released when the callback runs, once a frame is in the buffer. Spring
 * keeps one callback per session and runs it for whichever frame is buffered next, so a frame of another thread (a
 * RECEIPT, a relayed frame) could release the next room message while the current one was still being encoded, and
 * the two reached the client the other way round. Here the callback belongs to the frame its thread sends next, and
 * runs once that frame is buffered.
 */
class FlushBeforeCloseSession extends ConcurrentWebSocketSessionDecorator {

    private static final Logger log = LoggerFactory.getLogger(FlushBeforeCloseSession.class);

    private static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final AtomicLong handedOver = new AtomicLong();

    private final CountingSession socket;

    /**
     * The release Spring set for the frame this thread writes next. The decorator buffers a frame and runs the callback
     * on the thread that sends it, so the frame buffered when it runs is this thread's.
     */
    private final ThreadLocal<Consumer<WebSocketMessage<?>>> releaseOfNextFrame = new ThreadLocal<>();

    FlushBeforeCloseSession(WebSocketSession delegate, int sendTimeLimit, int bufferSizeLimit) {
        this(new CountingSession(delegate), sendTimeLimit, bufferSizeLimit);
    }

    private FlushBeforeCloseSession(CountingSession socket, int sendTimeLimit, int bufferSizeLimit) {
        super(socket, sendTimeLimit, bufferSizeLimit);
        this.socket = socket;
        super.setMessageCallback(this::buffered);
    }

    /** Called by Spring on the thread that writes the ordered frame next: the release is that frame's. */
    @Override
    public void setMessageCallback(Consumer<WebSocketMessage<?>> callback) {
        this.releaseOfNextFrame.set(callback);
    }

    @Override
    public void sendMessage(WebSocketMessage<?> message) throws IOException {
        this.handedOver.incrementAndGet();
        try {
            super.sendMessage(message);
        }
        finally {
            this.releaseOfNextFrame.remove(); // a frame never buffered (the session closing): Spring releases it later
        }
    }

    /** This thread's frame is in the buffer: if it is an ordered one, the next of its kind may follow. */
    private void buffered(WebSocketMessage<?> message) {
        Consumer<WebSocketMessage<?>> release = this.releaseOfNextFrame.get();
        if (release != null) {
            this.releaseOfNextFrame.remove();
            release.accept(message);
        }
    }

    /** Whether a frame handed over is still to be written to the open socket. */
    boolean writing() {
        return this.socket.written.get() < this.handedOver.get() && isOpen();
    }

    /** Closes once the frames handed over are written (at most 250 ms), or at once; closes in any case. */
    @Override
    public void close(CloseStatus status) throws IOException {
        try {
            if (CloseStatus.PROTOCOL_ERROR.equals(status)) {
                awaitWritten();
            }
        }
        catch (IOException | RuntimeException ex) {
            log.debug("Flushing session {} before it closes failed: {}", getId(), ex.toString());
        }
        finally {
            super.close(status);
        }
    }

    private void awaitWritten() throws IOException {
        // SockJS carries text frames only: there a STOMP heart-beat (an EOL, allowed between frames) flushes instead
        WebSocketMessage<?> flush = WebSocketSessionDecorator.unwrap(this.socket) instanceof SockJsSession
                ? new TextMessage("\n") : new PingMessage();
        long deadline = System.nanoTime() + MAX_WAIT_NANOS;
        while (writing() && System.nanoTime() < deadline) {
            if (getBufferSize() > 0 && getTimeSinceSendStarted() == 0) {
                sendMessage(flush); // nobody may be writing: flush the buffer from here
            }
            LockSupport.parkNanos(50_000);
        }
    }

    /** The socket under the buffer: counts the frames actually written. */
    private static final class CountingSession extends WebSocketSessionDecorator {

        final AtomicLong written = new AtomicLong();

        CountingSession(WebSocketSession delegate) {
            super(delegate);
        }

        @Override
        public void sendMessage(WebSocketMessage<?> message) throws IOException {
            try {
                super.sendMessage(message);
            }
            finally {
                this.written.incrementAndGet();
            }
        }
    }
}
