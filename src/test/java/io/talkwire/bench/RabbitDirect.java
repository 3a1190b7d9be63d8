package io.talkwire.bench;

import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * RabbitMQ's topics as a STOMP client reaches them without Talkwire: through the Web-STOMP plugin directly (the same
 * frames to /topic/..., no auth beyond guest, nothing stored), or through Spring's relay alone ({@link #bareRelay}).
 */
final class RabbitDirect implements Target {

    private final String name;

    private final String url;

    private final Map<String, String> connectHeaders;

    RabbitDirect() {
        this("RabbitMQ direct", "ws://localhost:15674/ws", Map.of("login", "guest", "passcode", "guest", "host", "/"));
    }

    private RabbitDirect(String name, String url, Map<String, String> connectHeaders) {
        this.name = name;
        this.url = url;
        this.connectHeaders = connectHeaders;
    }

    /** {@link io.talkwire.bench.relay.BareRelay} on {@code port}: the same frames, through Spring's relay. */
    static RabbitDirect bareRelay(int port) {
        return new RabbitDirect("Spring relay alone", "ws://localhost:" + port + "/ws", Map.of());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public BenchStomp connect(Consumer<String> onMessage) {
        return BenchStomp.connect(url, connectHeaders, onMessage);
    }

    @Override
    public String newRoom() {
        return "bench-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    public String topic(String room) {
        return "/topic/" + room;
    }

    @Override
    public void publish(BenchStomp client, String room, String body) {
        client.send(topic(room), body);
    }

    @Override
    public void broadcast(String room, String body) {
        BenchStomp client = connect(b -> { });
        client.sendWithReceipt(topic(room), body, "broadcast").join();
        client.close();
    }
}
