package io.talkwire.stomp;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.talkwire.ShutdownOrder;
import io.talkwire.ShutdownStep;
import org.jspecify.annotations.Nullable;

import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageHandler;
import org.springframework.messaging.support.ExecutorChannelInterceptor;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;

/**
 * This instance's open WebSocket sessions, for one step of its shutdown ({@link ShutdownOrder#SESSIONS_FLUSHED}):
 * once the sends already read are committed, it waits until the frames on their way out (the last RECEIPTs among
 * them) are written, {@value #MAX_WAIT_MILLIS} ms at most in all, then closes every session with 1001 ("going away"),
 * all at once, before the web server stops taking connections. It writes no frame itself: a client that stops reading
 * cannot hold the shutdown longer.
 *
 * <p>Fitted to the outbound channel ({@link WebSocketConfig}), it counts the frames handed to the channel and not yet
 * handed to their session: a RECEIPT waits there, on a thread of its own, before its session counts it.
 */
@Component
class OpenSessions extends ShutdownStep implements ExecutorChannelInterceptor {

    private static final long MAX_WAIT_MILLIS = 250;

    private static final long MAX_CLOSE_MILLIS = 1_000;

    private final Map<String, FlushBeforeCloseSession> open = new ConcurrentHashMap<>();

    private final AtomicInteger framesOnTheirWay = new AtomicInteger();

    OpenSessions() {
        super(ShutdownOrder.SESSIONS_FLUSHED);
    }

    void opened(FlushBeforeCloseSession session) {
        open.put(session.getId(), session);
    }

    void closed(String sessionId) {
        open.remove(sessionId);
    }

    @Override
    public Message<?> preSend(Message<?> message, MessageChannel channel) {
        framesOnTheirWay.incrementAndGet();
        return message;
    }

    @Override
    public void afterSendCompletion(Message<?> message, MessageChannel channel, boolean sent, @Nullable Exception ex) {
        if (!sent || ex != null) {
            framesOnTheirWay.decrementAndGet(); // dropped before its session's turn, or never dispatched
        }
    }

    @Override
    public void afterMessageHandled(Message<?> message, MessageChannel channel, MessageHandler handler,
            @Nullable Exception ex) {
        framesOnTheirWay.decrementAndGet();
    }

    @Override
    protected void shutDown() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_WAIT_MILLIS);
        while (System.nanoTime() < deadline
                && (framesOnTheirWay.get() > 0 || open.values().stream().anyMatch(FlushBeforeCloseSession::writing))) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        closeAll();
    }

    /** Each on a thread of its own: a close frame to a client that does not read may block its writer. */
    private void closeAll() {
        List<Thread> closing = open.values().stream()
            .map(session -> Thread.ofVirtual().start(() -> {
                try {
                    session.close(CloseStatus.GOING_AWAY);
                }
                catch (IOException | RuntimeException gone) {
                    // closed already, or the web server closes it next
                }
            }))
            .toList();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_CLOSE_MILLIS);
        try {
            for (Thread thread : closing) {
                thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

}
