package io.talkwire.bench;

import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/** RabbitMQ's Web-STOMP plugin used directly: the same frames to /topic/..., no auth beyond guest, nothing stored. */
final class RabbitDirect implements Target {

    @Override
    public String name() {
        return "RabbitMQ direct";
    }

    @Override
    public BenchStomp connect(Consumer<String> onMessage) {
        return BenchStomp.connect("ws://localhost:15674/ws", Map.of("login", "guest", "passcode", "guest", "host", "/"), onMessage);
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
