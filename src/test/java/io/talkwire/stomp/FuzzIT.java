package io.talkwire.stomp;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import io.talkwire.stomp.RawStompClient.Frame;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of malformed, truncated, oversized, binary and out-of-order STOMP frames from many sessions at once,
 * while two well-behaved clients chat beside them. Every bad frame is answered with an ERROR frame (the connection
 * closes) or ignored; no stack trace reaches a client; the well-behaved clients lose nothing.
 */
class FuzzIT extends IntegrationTest {

    private static final int FUZZERS = 8;

    private static final int FRAMES_PER_FUZZER = 300;

    private static final int GOOD_MESSAGES = 100;

    @Test
    void malformedFramesBreakNothing() throws Exception {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        User fuzzer = api.newUser("fuzzer");
        long room = api.createRoom(alice, "PUBLIC");

        AtomicInteger tried = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger closes = new AtomicInteger();
        List<String> leaks = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (StompTestClient sender = connect(alice); StompTestClient receiver = connect(bob);
                ExecutorService pool = Executors.newFixedThreadPool(FUZZERS)) {
            Inbox received = receiver.subscribe("/topic/rooms." + room);
            List<Future<?>> fuzzers = new ArrayList<>();
            for (int f = 0; f < FUZZERS; f++) {
                long seed = 1000L + f;
                fuzzers.add(pool.submit(() -> fuzz(new Random(seed), fuzzer.token(), room, tried, errors, closes, leaks)));
            }
            List<CompletableFuture<Void>> receipts = new ArrayList<>();
            for (int i = 0; i < GOOD_MESSAGES; i++) {
                receipts.add(sender.send("/app/rooms." + room + ".send", "{\"content\":\"good " + i + "\"}", "good-" + i));
                Thread.sleep(20);
            }
            for (Future<?> f : fuzzers) {
                f.get(5, TimeUnit.MINUTES);
            }
            StompTestClient.await(CompletableFuture.allOf(receipts.toArray(CompletableFuture[]::new)));
            List<String> goodReceived = new ArrayList<>();
            while (goodReceived.size() < GOOD_MESSAGES) {
                JsonNode event = received.next(e -> e.path("content").asString().startsWith("good "), Duration.ofSeconds(20));
                goodReceived.add(event.get("content").asString());
            }
            int lost = GOOD_MESSAGES - (int) goodReceived.stream().distinct().count();
            String report = "fuzz: %d frames tried from %d sessions at once, %d ERROR frames returned, %d connections closed, %d stack traces leaked, %d of %d messages lost by the well-behaved clients"
                .formatted(tried.get(), FUZZERS, errors.get(), closes.get(), leaks.size(), lost, GOOD_MESSAGES);
            System.out.println(report);
            Files.writeString(Path.of("target", "fuzz-report.txt"), report + System.lineSeparator());

            assertThat(tried.get()).isGreaterThanOrEqualTo(FUZZERS * FRAMES_PER_FUZZER);
            assertThat(errors.get()).isPositive();
            assertThat(leaks).isEmpty();
            assertThat(lost).isZero();
            assertThat(goodReceived).doesNotHaveDuplicates();
            assertThat(sender.isConnected()).isTrue();
            assertThat(receiver.isConnected()).isTrue();
        }
        assertThat(api.get("/actuator/health", null).status()).isEqualTo(200);
        assertThat(api.get("/api/rooms/" + room, alice.token()).json().get("lastSeq").asLong()).isGreaterThanOrEqualTo(GOOD_MESSAGES);
    }

    private void fuzz(Random random, String token, long room, AtomicInteger tried, AtomicInteger errors,
            AtomicInteger closes, List<String> leaks) {
        RawStompClient client = null;
        for (int i = 0; i < FRAMES_PER_FUZZER; i++) {
            try {
                // a fresh connection when the server closed ours, and now and then anyway: a frame that never ends
                // (no NUL) would otherwise swallow everything after it into one body
                if (client == null || client.closed.isDone() || random.nextInt(3) == 0) {
                    if (client != null) {
                        waitForClose(client);
                        if (client.closed.isDone()) {
                            closes.incrementAndGet();
                        }
                        account(client, errors, leaks);
                        client.close();
                    }
                    client = new RawStompClient(port);
                    if (random.nextBoolean()) {
                        client.send("CONNECT", java.util.Map.of("accept-version", "1.2", "host", "x", "Authorization", "Bearer " + token), "");
                    }
                }
                tried.incrementAndGet();
                GENERATORS.get(random.nextInt(GENERATORS.size())).apply(new Context(random, token, room)).sendTo(client);
            }
            catch (RuntimeException closedUnderUs) {
                // the server closed the connection while we wrote: that is an answer too
            }
        }
        if (client != null) {
            sleep(300);
            account(client, errors, leaks);
            client.close();
        }
    }

    private static void account(RawStompClient client, AtomicInteger errors, List<String> leaks) {
        for (Frame frame : client.drainFrames()) {
            if (frame.command().equals("ERROR")) {
                errors.incrementAndGet();
                String text = frame.headers() + frame.body();
                if (text.contains("Exception") || text.contains("at org.") || text.contains("at java.")
                        || text.contains("ExecutorSubscribableChannel")) {
                    leaks.add(text);
                }
            }
        }
    }

    private record Context(Random random, String token, long room) {

        String garbage(int max) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(max);
            for (int i = 0; i < length; i++) {
                text.append((char) (random.nextBoolean() ? 32 + random.nextInt(95) : random.nextInt(32)));
            }
            return text.toString();
        }
    }

    private interface Payload {

        void sendTo(RawStompClient client);

        static Payload text(String text) {
            return client -> client.sendText(text);
        }
    }

    private static final List<Function<Context, Payload>> GENERATORS = List.of(
            c -> Payload.text(c.garbage(200)),
            c -> Payload.text(c.garbage(50) + "\0"),
            c -> Payload.text("SEND\ndestination:/app/rooms." + c.room() + ".send\n\n{\"content\":\"no NUL at the end\"}"),
            c -> Payload.text("SUBSCRIBE\nid:1\ndestination:/topic/rooms." + c.room()),
            c -> Payload.text("CONNECT\naccept-version:1.2\nAuthorization:Bearer " + c.token() + "\n\n\0"),
            c -> Payload.text("STOMP\naccept-version:9.9\nhost:x\n\n\0"),
            c -> Payload.text("SEND\ndestination:/app/rooms." + c.room() + ".send\ncontent-length:999\n\n{}\0"),
            c -> Payload.text("SEND\ndestination:/app/rooms." + c.room() + ".send\ncontent-length:-1\n\n{}\0"),
            c -> Payload.text("SEND\ndestination:/app/rooms." + c.room() + ".send\n\n{\"content\":" + c.garbage(30) + "\0"),
            c -> Payload.text("SEND\ndestination:/topic/rooms." + c.room() + "\n\n{\"content\":\"bypass\"}\0"),
            c -> Payload.text("SEND\ndestination:/exchange/amq.topic/rooms." + c.room() + "\n\nx\0"),
            c -> Payload.text("SUBSCRIBE\nid:1\ndestination:/topic/#\n\n\0"),
            c -> Payload.text("SUBSCRIBE\nid:1\ndestination:/exchange/amq.topic/#\ndurable:true\nauto-delete:false\n\n\0"),
            c -> Payload.text("SUBSCRIBE\nid:1\ndestination:/topic/rooms." + c.room() + "\nx-queue-name:stolen\n\n\0"),
            c -> Payload.text("SUBSCRIBE\ndestination:\n\n\0"),
            c -> Payload.text("SUBSCRIBE\nid:\\q\ndestination:/topic/rooms.\\t1\n\n\0"),
            c -> Payload.text("SEND\nbad header without colon\n\n\0"),
            c -> Payload.text("SEND\n:\n:::\n\n\0"),
            c -> Payload.text("UNSUBSCRIBE\nid:nope\n\n\0"),
            c -> Payload.text("ACK\nid:nope\n\n\0"),
            c -> Payload.text("BEGIN\ntransaction:t\n\n\0"),
            c -> Payload.text("ABORT\ntransaction:t\n\n\0"),
            c -> Payload.text("DISCONNECT\nreceipt:bye\n\n\0"),
            c -> Payload.text("NOPE\n\n\0"),
            c -> Payload.text("\n\n\n\n"),
            c -> Payload.text("\0\0\0"),
            c -> Payload.text("SEND\n" + "h:v\n".repeat(2000) + "destination:/app/rooms." + c.room() + ".send\n\n{}\0"),
            c -> Payload.text("SEND\ndestination:/app/rooms." + c.room() + ".send\n\n{\"content\":\"" + "z".repeat(140_000) + "\"}\0"),
            c -> {
                byte[] bytes = new byte[c.random().nextInt(500)];
                c.random().nextBytes(bytes);
                return client -> client.sendBinary(bytes);
            },
            c -> client -> client.sendBinary(("SEND\ndestination:/app/rooms." + c.room() + ".send\n\n{\"content\":\"binary\"}\0")
                .getBytes(StandardCharsets.UTF_8)));

    /** Gives the server a moment to answer the last frame (an ERROR, then the close) before we move on. */
    private static void waitForClose(RawStompClient client) {
        try {
            client.closed.get(50, TimeUnit.MILLISECONDS);
        }
        catch (Exception stillOpen) {
            // ignored, or still being processed
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
