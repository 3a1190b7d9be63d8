package io.talkwire.stomp;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The sessions-per-user limit (20 by default) holds when CONNECT frames arrive at once on many sockets. */
class ConnectRaceIT extends IntegrationTest {

    @Test
    void aHundredConnectsAtOnceGiveAtMostTwentySessions() throws Exception {
        User user = api().newUser("racer");
        List<RawStompClient> clients = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            clients.add(new RawStompClient(port));
        }
        CountDownLatch start = new CountDownLatch(1);
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> answers = new ArrayList<>();
            for (RawStompClient client : clients) {
                answers.add(threads.submit(() -> {
                    start.await();
                    client.send("CONNECT", Map.of("accept-version", "1.2", "host", "localhost", "heart-beat", "0,0",
                            "Authorization", "Bearer " + user.token()), "");
                    return client.next().command();
                }));
            }
            start.countDown();
            List<String> commands = new ArrayList<>();
            for (Future<String> answer : answers) {
                commands.add(answer.get());
            }
            assertThat(commands.stream().filter("CONNECTED"::equals).count()).isEqualTo(20);
            assertThat(commands.stream().filter("ERROR"::equals).count()).isEqualTo(80);
        }
        finally {
            clients.forEach(RawStompClient::close);
        }
    }
}
