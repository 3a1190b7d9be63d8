package io.talkwire.bench;

import java.util.function.Consumer;

/** What the scenarios measure, Talkwire or the baseline, through the same STOMP-over-WebSocket client. */
interface Target {

    String name();

    /** A session, connected; MESSAGE bodies go to {@code onMessage}. */
    BenchStomp connect(Consumer<String> onMessage);

    String newRoom();

    /** The destination to SUBSCRIBE to for a room's messages. */
    String topic(String room);

    void publish(BenchStomp client, String room, String body);

    /** One message to every subscriber of the room, sent from outside the measured sessions. */
    void broadcast(String room, String body);
}
