package io.talkwire.cluster;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import javax.sql.DataSource;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.PackagedInstance;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A deploy of two instances, as {@code docker compose} runs them: SIGTERM to one while clients stream SENDs through
 * both, start it again, then the same for the other. Each instance exits within 15 s, answers the SENDs it had read
 * with their RECEIPTs before it closes their sessions, publishes the LEAVEs of its sessions before it goes (a watcher
 * elsewhere sees them before the lease of a dead instance could run out), and no receipted message is lost or stored
 * twice while clients move from one instance to the other.
 */
class RollingRestartIT extends IntegrationTest {

    private static final Duration EXIT_WITHIN = Duration.ofSeconds(15);

    private final List<Process> processes = new ArrayList<>();

    @Autowired
    private DataSource database;

    /** As a deploy would: SIGTERM, so that no lease or presence of theirs is left for the next test. */
    @AfterEach
    void stopInstances() throws InterruptedException {
        for (Process process : processes) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    @Test
    void aRollingRestartUnderLoadLosesNoReceiptedMessageAndEachInstanceExitsWithin15Seconds() throws Exception {
        Api api = api();
        User owner = api.newUser("owner");
        long room = api.createRoom(owner, "PUBLIC");
        int portA = PackagedInstance.freePort();
        int portB = PackagedInstance.freePort();
        Process a = start(portA, "rolling-a");
        Process b = start(portB, "rolling-b");
        awaitUp(portA);
        awaitUp(portB);

        SendLog sends = new SendLog();
        List<RecoveringClient> clients = new ArrayList<>();
        Set<String> startOnA = new HashSet<>();
        for (int c = 0; c < 4; c++) {
            // half of them start on A, half on B; each moves to the other when its instance goes
            User sender = api.newUser("sender" + c);
            List<Integer> ports = c % 2 == 0 ? List.of(portA, portB) : List.of(portB, portA);
            if (c % 2 == 0) {
                startOnA.add(sender.name());
            }
            clients.add(new RecoveringClient(ports, api, sender, room, sends));
        }
        // a reader on A who never comes back: the LEAVE A owes for it cannot be replaced by a JOIN elsewhere
        User reader = api.newUser("reader");
        StompTestClient readerOnA = StompTestClient.connect(portA, reader.token());
        readerOnA.subscribe("/topic/rooms." + room);
        try (Senders senders = new Senders(clients); StompTestClient watcherSession = connect(owner)) {
            Inbox watcher = watcherSession.subscribe("/topic/rooms." + room);
            await().atMost(Duration.ofSeconds(60)).until(() -> sends.receiptedCount() >= 40);
            // with instance fan-out, A's events reach the watcher's instance once that one has linked with A (it
            // lists the instances' leases every few seconds): messages sent through A are seen here first
            watcher.next(e -> "MESSAGE".equals(e.path("type").asString()) && startOnA.contains(e.path("sender").asString()),
                    Duration.ofSeconds(30));

            // A goes while SENDs wait for their RECEIPT; the reader's LEAVE comes from A itself, at once (a dead
            // instance's presence is only removed once its 20 s lease has run out)
            List<String> inFlight = new ArrayList<>(stopWhileCommitsWait(a, room, sends, clients.size()));
            assertExitsInTime(a);
            assertReceipted(inFlight, sends);
            watcher.next(e -> "LEAVE".equals(e.path("type").asString()) && reader.name().equals(e.path("user").asString()),
                    Duration.ofSeconds(3));
            // A's clients are served by B now
            await().atMost(Duration.ofSeconds(60)).until(() -> IntStream.range(0, clients.size())
                .filter(c -> c % 2 == 0).allMatch(c -> clients.get(c).subscriptions() >= 2));
            int afterA = sends.receiptedCount();
            await().atMost(Duration.ofSeconds(60)).until(() -> sends.receiptedCount() >= afterA + 40);

            // A comes back, then B goes: its clients move to A
            a = start(portA, "rolling-a2");
            awaitUp(portA);
            List<String> inFlightAtB = stopWhileCommitsWait(b, room, sends, clients.size());
            assertExitsInTime(b);
            assertReceipted(inFlightAtB, sends);
            inFlight.addAll(inFlightAtB);
            int afterB = sends.receiptedCount();
            await().atMost(Duration.ofSeconds(60)).until(() -> sends.receiptedCount() >= afterB + 40);
            // B's clients are served by A now (one may still be waiting for the RECEIPT that B never sent)
            await().atMost(Duration.ofSeconds(60)).until(() -> clients.stream().allMatch(client -> client.subscriptions() >= 2));

            senders.stop();
            // SENDs in flight at either SIGTERM go once more
            senders.sendAgain(inFlight);

            JsonNode history = RecoveringClient.fetchAfter(api, owner, room, 0);
            List<Long> seqs = history.valueStream().map(m -> m.get("seq").asLong()).toList();
            assertThat(seqs).as("seq numbers a room's messages without a gap")
                .containsExactlyElementsOf(LongStream.rangeClosed(1, seqs.size()).boxed().toList());
            List<String> stored = history.valueStream().map(m -> m.get("clientMessageId").asString()).toList();
            assertThat(stored).as("every receipted SEND, stored once").doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(sends.receiptedIds());
            for (RecoveringClient client : clients) {
                client.recover();
                assertThat(client.heldSeqs()).as("what %s holds after recovery", client.name()).containsExactlyElementsOf(seqs);
                client.close();
            }
        }
    }

    private Process start(int port, String logName) throws IOException {
        Process process = PackagedInstance.start(port, Map.of(), logName);
        processes.add(process);
        return process;
    }

    private static void awaitUp(int port) {
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions()
            .until(() -> new Api(port).get("/actuator/health", null).status() == 200);
    }

    /**
     * SIGTERM while a SEND of every client waits in its commit (the room's row is locked here), those sent to the
     * stopping instance among them, each read by its instance 200 ms before; the lock goes a second after the SIGTERM,
     * well into the instance's shutdown. Returns the receipt ids of those SENDs.
     */
    private List<String> stopWhileCommitsWait(Process process, long room, SendLog sends, int clients) throws Exception {
        try (Connection lock = database.getConnection()) {
            lock.setAutoCommit(false);
            try (PreparedStatement rooms = lock.prepareStatement("SELECT id FROM rooms WHERE id = ? FOR UPDATE")) {
                rooms.setLong(1, room);
                rooms.executeQuery().close();
            }
            List<String> inFlight = sends.cutWhileInFlight(clients, () -> {
                RecoveringClient.sleep(200);
                process.destroy();
            });
            RecoveringClient.sleep(1_000);
            lock.rollback();
            return inFlight;
        }
    }

    /**
     * The SENDs in flight at a SIGTERM had been read by their instances: the stopping one commits them before it
     * closes their sessions, so each RECEIPT reaches its client on the connection it was sent on (a SEND read too late
     * to commit would be refused with an ERROR event instead; the drain here takes far less than its 5 s).
     */
    private static void assertReceipted(List<String> inFlight, SendLog sends) {
        assertThat(inFlight).as("SENDs in flight at the SIGTERM whose RECEIPT never came on their connection")
            .filteredOn(receiptId -> !sends.receiptCame(receiptId))
            .isEmpty();
    }

    /** SIGTERM was sent: the process must be gone within {@link #EXIT_WITHIN}. */
    private static void assertExitsInTime(Process process) throws InterruptedException {
        long sent = System.nanoTime();
        boolean exited = process.waitFor(EXIT_WITHIN.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - sent);
        assertThat(exited).as("exited after SIGTERM").isTrue();
        assertThat(took).as("time from SIGTERM to exit").isLessThanOrEqualTo(EXIT_WITHIN);
    }
}
