package io.talkwire;

import org.springframework.context.SmartLifecycle;

/**
 * The order in which an instance stops on SIGTERM, as {@link SmartLifecycle} phases (the highest stops first), in one
 * place. Spring Boot's own phases sit between them: the web server's graceful shutdown ({@code DEFAULT_PHASE - 1024},
 * requests in flight finish) and the web server itself ({@code DEFAULT_PHASE - 2048}).
 */
public final class ShutdownOrder {

    /**
     * First, while every STOMP session is still open: the sends already read are committed, and their RECEIPTs and
     * events go out; sends read from then on are refused with an ERROR event.
     */
    public static final int SENDS = SmartLifecycle.DEFAULT_PHASE;

    /** Then the STOMP side (the relay, the message handlers, the WebSocket sessions, closed with 1001). */
    public static final int STOMP = SmartLifecycle.DEFAULT_PHASE - 512;

    /** Once the sessions are closed: their LEAVEs are published, the rest of the presence removed, the lease released. */
    public static final int PRESENCE = SmartLifecycle.DEFAULT_PHASE - 3072;

    /** Last: the links to the other instances, which carry those LEAVEs in {@code instance} fan-out. */
    public static final int INSTANCE_LINKS = SmartLifecycle.DEFAULT_PHASE - 4096;

    private ShutdownOrder() {
    }
}
