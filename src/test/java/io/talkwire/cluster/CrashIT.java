package io.talkwire.cluster;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import io.talkwire.TestServices;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** An instance killed with SIGKILL holds presence only until its lease runs out; a survivor announces the LEAVEs. */
class CrashIT extends IntegrationTest {

    @Test
    void aSurvivorAnnouncesLeaveForTheUsersOfAKilledInstanceWithin30Seconds() throws Exception {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long room = api.createRoom(alice, "PUBLIC");
        int port = freePort();
        Process doomed = startPackagedJar(port);
        try {
            await().atMost(Duration.ofSeconds(90)).ignoreExceptions()
                .until(() -> new Api(port).get("/actuator/health", null).status() == 200);
            try (StompTestClient bobHere = connect(bob)) {
                Inbox watcher = bobHere.subscribe("/topic/rooms." + room);
                StompTestClient aliceThere = StompTestClient.connect(port, alice.token());
                aliceThere.subscribe("/topic/rooms." + room);
                assertThat(watcher.next(e -> isAbout(e, "JOIN", alice)).get("online").asLong()).isEqualTo(2);

                doomed.destroyForcibly(); // SIGKILL: no shutdown hook, no DISCONNECT, no cleanup
                assertThat(doomed.waitFor(10, TimeUnit.SECONDS)).isTrue();
                long killedAt = System.nanoTime();

                JsonNode leave = watcher.next(e -> isAbout(e, "LEAVE", alice), Duration.ofSeconds(40));
                Duration took = Duration.ofNanos(System.nanoTime() - killedAt);
                assertThat(took).isLessThanOrEqualTo(Duration.ofSeconds(30));
                assertThat(leave.get("online").asLong()).isEqualTo(1);
                assertThat(api.get("/api/rooms/" + room, bob.token()).json().get("onlineCount").asLong()).isEqualTo(1);
            }
        }
        finally {
            doomed.destroyForcibly();
        }
    }

    private static boolean isAbout(JsonNode event, String type, User user) {
        return type.equals(event.path("type").asString()) && user.name().equals(event.path("user").asString());
    }

    /** The jar that `package` built, started as a separate process against the same services. */
    private static Process startPackagedJar(int port) throws IOException {
        Path jar;
        try (var files = Files.list(Path.of("target"))) {
            jar = files.filter(f -> f.getFileName().toString().matches("talkwire-.*\\.jar")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no target/talkwire-*.jar: run ./mvnw verify"));
        }
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
                "-jar", jar.toString(), "--server.port=" + port));
        TestServices.properties().forEach((name, value) -> command.add("--" + name + "=" + value));
        File log = new File("target/crash-instance.log");
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
