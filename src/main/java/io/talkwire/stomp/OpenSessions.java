package io.talkwire.stomp;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.talkwire.ShutdownOrder;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * This instance's open WebSocket sessions, for one step of its shutdown ({@link ShutdownOrder#SESSIONS_FLUSHED}):
 * once the sends already read are committed, and before the web server closes the connections, it waits until every
 * session has written the frames handed to it (the last RECEIPTs among them), for {@value #MAX_WAIT_MILLIS} ms at
 * most in all, however many sessions there are. It writes nothing itself: a client that stops reading cannot hold
 * the shutdown longer.
 */
@Component
class OpenSessions implements SmartLifecycle {

    private static final long MAX_WAIT_MILLIS = 250;

    private final Map<String, FlushBeforeCloseSession> open = new ConcurrentHashMap<>();

    private volatile boolean running;

    void opened(FlushBeforeCloseSession session) {
        open.put(session.getId(), session);
    }

    void closed(String sessionId) {
        open.remove(sessionId);
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_WAIT_MILLIS);
        while (System.nanoTime() < deadline && open.values().stream().anyMatch(FlushBeforeCloseSession::writing)) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return ShutdownOrder.SESSIONS_FLUSHED;
    }
}
