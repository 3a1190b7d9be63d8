package io.talkwire;

import org.springframework.context.SmartLifecycle;

/**
 * The order in which an instance stops on SIGTERM, as {@link SmartLifecycle} phases (the highest stops first), in one
 * place. Between them stop Spring Boot's web server, first gracefully ({@code DEFAULT_PHASE - 1024}: no new
 * connections, requests in flight finish), then for good ({@code DEFAULT_PHASE - 2048}). Spring's STOMP handlers and
 * relay keep their phase, 0: they start before the web server and stop last.
 */
public final class ShutdownOrder {

    /**
     * First, while every STOMP session is still open: the sends already read are committed, and their RECEIPTs and
     * events handed out; sends read from then on are refused.
     */
    public static final int SENDS = SmartLifecycle.DEFAULT_PHASE;

    /**
     * Then RabbitMQ's listener containers (the inbound queue, the links between instances): after the sends, so that
     * the inbound messages committed meanwhile are still acknowledged on their channel.
     */
    public static final int LISTENERS = SmartLifecycle.DEFAULT_PHASE - 256;

    /**
     * Then the room frames that wait for an earlier message are written, and nothing waits any more: this instance
     * commits nothing more (other instances' events, in broker mode, still arrive until the relay stops).
     */
    public static final int WAITING_FRAMES = SmartLifecycle.DEFAULT_PHASE - 384;

    /**
     * Then the frames on their way out are written (250 ms at most) and every STOMP session is closed (1001), before
     * the web server stops taking connections.
     */
    public static final int SESSIONS_FLUSHED = SmartLifecycle.DEFAULT_PHASE - 512;

    /** Once the sessions are closed: their LEAVEs are published, the rest of the presence removed, the lease released. */
    public static final int PRESENCE = SmartLifecycle.DEFAULT_PHASE - 3072;

    /** Last: the links to the other instances, which carry those LEAVEs in {@code instance} fan-out. */
    public static final int INSTANCE_LINKS = SmartLifecycle.DEFAULT_PHASE - 4096;

    private ShutdownOrder() {
    }
}
