package io.talkwire.stomp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.LongStream;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import io.talkwire.stomp.RawStompClient.Frame;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Thousands of malformed, truncated, oversized, binary and out-of-order STOMP frames from many sessions at once,
 * while two well-behaved clients chat beside them. Every connection the server closes was told why by an ERROR frame
 * (or had asked with DISCONNECT), every ERROR frame says why without leaking internals, a write fails only because the
 * server closed the connection, the frames that try to publish to a room past the checks never reach it, and every
 * message of the well-behaved clients is receipted, stored and delivered once.
 */
class FuzzIT extends IntegrationTest {

    private static final int FUZZERS = 8;

    private static final int FRAMES_PER_FUZZER = 300;

    private static final int GOOD_MESSAGES = 100;

    /** What the bypass frames carry: nothing with this content may ever reach the room. */
    private static final String BYPASS = "bypass";

    /** The well-behaved sender's last message, after everything else: the fence the checks of the room wait for. */
    private static final String FENCE = "fence of the well-behaved clients";

    @Test
    void malformedFramesBreakNothing() throws Exception {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        User fuzzer = api.newUser("fuzzer");
        long room = api.createRoom(alice, "PUBLIC");
        String send = "/app/rooms." + room + ".send";

        Tally tally = new Tally();
        Map<String, CompletableFuture<Void>> receipts = new LinkedHashMap<>();
        List<JsonNode> live;
        try (StompTestClient sender = connect(alice); StompTestClient receiver = connect(bob);
                ExecutorService pool = Executors.newFixedThreadPool(FUZZERS)) {
            Inbox received = receiver.subscribe("/topic/rooms." + room);
            List<Future<?>> fuzzers = new ArrayList<>();
            for (int f = 0; f < FUZZERS; f++) {
                long seed = 1000L + f;
                fuzzers.add(pool.submit(() -> fuzz(new Random(seed), fuzzer.token(), room, tally)));
            }
            for (int i = 0; i < GOOD_MESSAGES; i++) {
                // spread over the whole fuzz, by its progress rather than by the clock: the i-th good message goes
                // once the fuzzers have tried their i-th share of frames (or all stopped)
                int due = i * FUZZERS * FRAMES_PER_FUZZER / GOOD_MESSAGES;
                await().atMost(Duration.ofMinutes(5))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> tally.tried.get() >= due || fuzzers.stream().allMatch(Future::isDone));
                receipts.put("good " + i, sender.send(send, "{\"content\":\"good " + i + "\"}", "good-" + i));
            }
            for (Future<?> f : fuzzers) {
                f.get(5, TimeUnit.MINUTES); // a fuzzer's unexpected exception fails the test here
            }

            // the frames that try to publish to the room past the checks, once more each, alone on a session each
            User mallory = api.newUser("mallory");
            for (String bypass : List.of(bypassThroughTheTopic(room), bypassThroughTheExchange(room))) {
                try (RawStompClient client = new RawStompClient(port)) {
                    assertThat(client.connect(mallory.token(), "0,0").command()).isEqualTo("CONNECTED");
                    client.sendText(bypass);
                    assertThat(client.next("ERROR").header("message"))
                        .contains("SEND is allowed only to /app/rooms.{roomId}.send");
                    client.awaitClose();
                }
            }

            // the fence: sent after every other message of the room, so delivered after them (one instance publishes
            // a room's events in commit order); what the subscriber has once it arrives is all it will ever get
            StompTestClient.await(sender.send(send, "{\"content\":\"" + FENCE + "\"}", "fence"));
            live = received.until(e -> FENCE.equals(e.path("content").asString()));
            assertThat(sender.isConnected()).isTrue();
            assertThat(receiver.isConnected()).isTrue();
        }
        long fenceSeq = live.getLast().get("seq").asLong();
        List<JsonNode> stored = history(api, room, alice);

        List<String> receipted = new ArrayList<>();
        for (Map.Entry<String, CompletableFuture<Void>> receipt : receipts.entrySet()) {
            try {
                receipt.getValue().get(RawStompClient.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                receipted.add(receipt.getKey());
            }
            catch (ExecutionException | TimeoutException noReceipt) {
                // not receipted: lost, counted below
            }
        }
        List<String> goodLive = contents(live, alice);
        List<String> goodStored = contents(stored, alice);
        List<String> lost = receipts.keySet().stream()
            .filter(good -> !receipted.contains(good) || !goodLive.contains(good) || !goodStored.contains(good))
            .toList();

        String report = ("fuzz: %d frames tried from %d sessions at once, %d ERROR frames returned, %d connections"
                + " closed (%d of them without an ERROR frame or a DISCONNECT), %d stack traces leaked, %d of %d messages"
                + " lost by the well-behaved clients")
            .formatted(tally.tried.get(), FUZZERS, tally.errors.get(), tally.closes.get(),
                    tally.unexplainedCloses.size(), tally.leaks.size(), lost.size(), GOOD_MESSAGES);
        System.out.println(report);
        Files.writeString(Path.of("target", "fuzz-report.txt"), report + System.lineSeparator());

        assertThat(tally.tried.get()).isEqualTo(FUZZERS * FRAMES_PER_FUZZER);
        assertThat(tally.unexplainedCloses).as("connections the server closed without an ERROR frame").isEmpty();
        assertThat(tally.unclearErrors).as("ERROR frames without a reason, or for an internal error").isEmpty();
        assertThat(tally.leaks).as("ERROR frames that leak internals").isEmpty();
        assertThat(lost).as("good messages not receipted %s, not delivered live, or not stored",
                receipts.keySet().stream().filter(good -> !receipted.contains(good)).toList()).isEmpty();
        assertThat(goodLive).doesNotHaveDuplicates();
        assertThat(goodStored).doesNotHaveDuplicates();
        // whoever sent them, the room's messages up to the fence reached the live subscriber once each, in seq order,
        // and all of them are stored
        List<Long> all = LongStream.rangeClosed(1, fenceSeq).boxed().toList();
        assertThat(seqs(live)).containsExactlyElementsOf(all);
        assertThat(seqs(stored)).containsExactlyElementsOf(all);
        // nothing sent past the checks reached the room, live or stored
        assertThat(live).noneMatch(e -> e.path("content").asString().contains(BYPASS));
        assertThat(stored).noneMatch(m -> m.path("content").asString().contains(BYPASS));
        assertThat(api.get("/actuator/health", null).status()).isEqualTo(200);
    }

    private void fuzz(Random random, String token, long room, Tally tally) {
        Connection connection = null;
        for (int i = 0; i < FRAMES_PER_FUZZER; i++) {
            // a fresh connection when the server closed ours, and now and then anyway: a frame that never ends
            // (no NUL) would otherwise swallow everything after it into one body
            if (connection == null || connection.client.closed.isDone() || random.nextInt(3) == 0) {
                if (connection != null) {
                    connection.end(tally);
                }
                connection = new Connection(new RawStompClient(port));
                if (random.nextBoolean()) {
                    connection.write(
                            Payload.text("CONNECT\naccept-version:1.2\nhost:x\nAuthorization:Bearer " + token + "\n\n\0"));
                }
            }
            tally.tried.incrementAndGet();
            connection.write(GENERATORS.get(random.nextInt(GENERATORS.size())).apply(new Context(random, token, room)));
        }
        if (connection != null) {
            connection.end(tally);
        }
    }

    /** The messages of {@code sender} among events or stored messages, by content. */
    private static List<String> contents(List<JsonNode> messages, User sender) {
        return messages.stream()
            .filter(m -> sender.name().equals(m.path("sender").asString()))
            .map(m -> m.get("content").asString())
            .filter(content -> content.startsWith("good "))
            .toList();
    }

    /** The seq of each MESSAGE among events or stored messages, in the order they came. */
    private static List<Long> seqs(List<JsonNode> messages) {
        return messages.stream()
            .filter(m -> m.has("seq"))
            .map(m -> m.get("seq").asLong())
            .toList();
    }

    /** The room's whole history, page by page. */
    private static List<JsonNode> history(Api api, long room, User reader) {
        List<JsonNode> messages = new ArrayList<>();
        long after = 0;
        while (true) {
            JsonNode page = api.get("/api/rooms/" + room + "/messages?after=" + after + "&limit=200", reader.token()).json();
            if (page.isEmpty()) {
                return messages;
            }
            page.forEach(messages::add);
            after = page.get(page.size() - 1).get("seq").asLong();
        }
    }

    /** What the fuzzers saw, from all their threads. */
    private static final class Tally {

        final AtomicInteger tried = new AtomicInteger();

        final AtomicInteger errors = new AtomicInteger();

        final AtomicInteger closes = new AtomicInteger();

        final List<String> leaks = new CopyOnWriteArrayList<>();

        final List<String> unclearErrors = new CopyOnWriteArrayList<>();

        final List<String> unexplainedCloses = new CopyOnWriteArrayList<>();
    }

    /** One fuzzing connection, and what was written to it. */
    private static final class Connection {

        final RawStompClient client;

        private final List<String> written = new ArrayList<>();

        /** A DISCONNECT was written: the server may then close the connection without an ERROR frame. */
        private boolean disconnectWritten;

        Connection(RawStompClient client) {
            this.client = client;
        }

        /**
         * Writes the payload. The one failure that is an answer too: the server closed the connection while (or
         * before) we wrote, after an ERROR frame, which {@link #end} checks. Anything else fails the fuzzer, and the
         * test: so does a write that fails while the connection stays open.
         */
        void write(Payload payload) {
            disconnectWritten |= payload.disconnects();
            written.add(payload.toString());
            try {
                payload.sendTo(client);
            }
            catch (CompletionException ex) {
                if (!(ex.getCause() instanceof IOException)) {
                    throw ex;
                }
                client.awaitClose(); // an AssertionError (with the write's failure) unless the server closed it
            }
        }

        /**
         * Closes the connection (unless the server did) and waits for the close: the server's last frames come
         * before it, so every frame it sent is here to be accounted for, without waiting for a while.
         */
        void end(Tally tally) {
            boolean closedByServer = client.closed.isDone();
            if (!closedByServer) {
                client.close();
            }
            int status = client.awaitClose();
            boolean errorFrame = false;
            for (Frame frame : client.drainFrames()) {
                if (!frame.command().equals("ERROR")) {
                    continue;
                }
                errorFrame = true;
                tally.errors.incrementAndGet();
                String text = frame.headers() + frame.body();
                if (text.contains("Exception") || text.contains("at org.") || text.contains("at java.")
                        || text.contains("ExecutorSubscribableChannel")) {
                    tally.leaks.add(text);
                }
                String message = frame.header("message");
                if (message == null || message.isBlank() || message.equals("internal server error")) {
                    tally.unclearErrors.add(text);
                }
            }
            if (closedByServer) {
                tally.closes.incrementAndGet();
                if (!errorFrame && !disconnectWritten) {
                    tally.unexplainedCloses.add("closed with status " + status + " after writing " + written);
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

        /** Whether this is a DISCONNECT, after which the server may close without an ERROR frame. */
        default boolean disconnects() {
            return false;
        }

        static Payload text(String text) {
            return new Payload() {

                @Override
                public void sendTo(RawStompClient client) {
                    client.sendText(text);
                }

                @Override
                public String toString() {
                    return abbreviate(text);
                }
            };
        }

        static Payload binary(byte[] bytes) {
            return new Payload() {

                @Override
                public void sendTo(RawStompClient client) {
                    client.sendBinary(bytes);
                }

                @Override
                public String toString() {
                    return "binary " + abbreviate(new String(bytes, StandardCharsets.ISO_8859_1));
                }
            };
        }

        static Payload disconnect(String text) {
            Payload frame = text(text);
            return new Payload() {

                @Override
                public void sendTo(RawStompClient client) {
                    frame.sendTo(client);
                }

                @Override
                public boolean disconnects() {
                    return true;
                }

                @Override
                public String toString() {
                    return frame.toString();
                }
            };
        }

        private static String abbreviate(String text) {
            String visible = text.replace("\n", "\\n").replace("\0", "\\0");
            return visible.length() > 80 ? visible.substring(0, 80) + "... (" + visible.length() + " chars)" : visible;
        }
    }

    /** A SEND straight to the room's topic, which the relay would carry to every subscriber if the gate let it. */
    private static String bypassThroughTheTopic(long room) {
        return "SEND\ndestination:/topic/rooms." + room + "\n\n{\"content\":\"" + BYPASS + "\"}\0";
    }

    /** A SEND to the exchange the room's subscriptions are bound to, looking like a room event to whoever got it. */
    private static String bypassThroughTheExchange(long room) {
        return "SEND\ndestination:/exchange/amq.topic/rooms." + room + "\n\n{\"type\":\"MESSAGE\",\"content\":\"" + BYPASS
                + "\"}\0";
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
            c -> Payload.text(bypassThroughTheTopic(c.room())),
            c -> Payload.text(bypassThroughTheExchange(c.room())),
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
            c -> Payload.disconnect("DISCONNECT\nreceipt:bye\n\n\0"),
            c -> Payload.text("NOPE\n\n\0"),
            c -> Payload.text("\n\n\n\n"),
            c -> Payload.text("\0\0\0"),
            c -> Payload.text("SEND\n" + "h:v\n".repeat(2000) + "destination:/app/rooms." + c.room() + ".send\n\n{}\0"),
            c -> Payload.text("SEND\ndestination:/app/rooms." + c.room() + ".send\n\n{\"content\":\"" + "z".repeat(140_000) + "\"}\0"),
            c -> {
                byte[] bytes = new byte[c.random().nextInt(500)];
                c.random().nextBytes(bytes);
                return Payload.binary(bytes);
            },
            c -> Payload.binary(("SEND\ndestination:/app/rooms." + c.room() + ".send\n\n{\"content\":\"binary\"}\0")
                .getBytes(StandardCharsets.UTF_8)));
}
