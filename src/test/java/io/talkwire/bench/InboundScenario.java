package io.talkwire.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;

/**
 * Scenario 6, inbound: committed messages per second through the durable queue talkwire.inbound, posted as a bot
 * posts them (persistent JSON to the default exchange, routing key talkwire.inbound, publisher confirms awaited every
 * {@value #CONFIRM_BATCH}), against the group-committed SEND path ({@link ReceiptedSenders}: 20 sessions, each with
 * up to {@code window} SENDs awaiting their RECEIPT). Each round sends {@code messages} over 20 rooms of its own, the
 * two paths in alternating rounds (SEND, inbound, and again) so that the machine's drift falls on both alike. An
 * inbound round lasts from the first publish until PostgreSQL holds every message (counted with JDBC every
 * {@value #POLL_MILLIS} ms); a SEND round from the first SEND until the last RECEIPT.
 */
final class InboundScenario {

    /** The queue bots post to, through the default exchange. */
    private static final String INBOUND = "talkwire.inbound";

    private static final int ROOMS = 20;

    private static final int CONFIRM_BATCH = 500;

    private static final long CONFIRM_TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(30);

    private static final long POLL_MILLIS = 20;

    /** An inbound round gives up when PostgreSQL's count has not moved for this long (dead-lettered, say). */
    private static final long STALL_SECONDS = 30;

    private final int rounds;

    private final int messages;

    private final int window;

    private final String jdbcUrl;

    InboundScenario(int rounds, int messages, int window, String jdbcUrl) {
        this.rounds = rounds;
        this.messages = messages;
        this.window = window;
        this.jdbcUrl = jdbcUrl;
    }

    /**
     * Measures and reports, as {@code target}'s user (the owner of every room, so a member of each);
     * {@code consumers} is the number of Talkwire instances running, each of which consumes talkwire.inbound.
     */
    void run(Talkwire target, int consumers, Report report) throws Exception {
        List<Map<String, Object>> sendRounds = new ArrayList<>();
        List<Map<String, Object>> inboundRounds = new ArrayList<>();
        try (Connection rabbit = RabbitAmqp.connect("talkwire-bench-inbound")) {
            for (int round = 0; round < rounds; round++) {
                sendRounds.add(measureSends(target));
                inboundRounds.add(measureInbound(target, rabbit));
                System.out.println("inbound round " + (round + 1) + ": SEND path " + sendRounds.getLast()
                        + ", talkwire.inbound " + inboundRounds.getLast());
            }
        }
        long s = Report.median(sendRounds, "perSecond");
        long i = Report.median(inboundRounds, "perSecond");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("messagesPerRound", messages);
        result.put("rooms", ROOMS);
        result.put("window", window);
        result.put("confirmBatch", CONFIRM_BATCH);
        result.put("talkwireInstances", consumers);
        result.put("sendPath", Map.of("rounds", sendRounds, "medianPerSecond", s));
        result.put("inbound", Map.of("rounds", inboundRounds, "medianPerSecond", i));
        result.put("ratioPercent", Report.percent(i, s));
        report.put("inbound", result);
        write(consumers, sendRounds, inboundRounds, s, i, report);
    }

    /** The SEND path: {@code messages} over STOMP into 20 new rooms, until the last RECEIPT. */
    private Map<String, Object> measureSends(Talkwire target) throws Exception {
        List<String> roomIds = target.newRooms(ROOMS);
        try (ReceiptedSenders senders = new ReceiptedSenders(target, roomIds, window)) {
            long start = System.nanoTime();
            Set<String> receipted = senders.sendAll(messages);
            return round(receipted.size(), System.nanoTime() - start, null);
        }
    }

    /** talkwire.inbound: {@code messages} into 20 new rooms, until PostgreSQL holds them all. */
    private Map<String, Object> measureInbound(Talkwire target, Connection rabbit) throws Exception {
        List<String> roomIds = target.newRooms(ROOMS);
        String run = UUID.randomUUID().toString().substring(0, 8);
        long start;
        try (Channel channel = rabbit.createChannel()) {
            channel.confirmSelect();
            start = System.nanoTime();
            for (int n = 0; n < messages; n++) {
                String body = "{\"roomId\":" + roomIds.get(n % ROOMS) + ",\"username\":\"" + target.username()
                        + "\",\"content\":\"inbound " + run + "-" + n + "\",\"clientMessageId\":\"" + run + "-" + n + "\"}";
                channel.basicPublish("", INBOUND, RabbitAmqp.PERSISTENT_JSON, body.getBytes());
                if ((n + 1) % CONFIRM_BATCH == 0 || n + 1 == messages) {
                    channel.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MILLIS);
                }
            }
        }
        long published = System.nanoTime() - start;
        long committed = StoredMessages.awaitCount(jdbcUrl, roomIds, messages, POLL_MILLIS, STALL_SECONDS);
        return round(committed, System.nanoTime() - start, published);
    }

    /** A round's figures; {@code publishedNanos}: how long publishing (with its confirms) took, for inbound. */
    private Map<String, Object> round(long committed, long nanos, Long publishedNanos) {
        Map<String, Object> round = new LinkedHashMap<>();
        round.put("committed", committed);
        round.put("seconds", Math.round(nanos / 1e7) / 100.0);
        round.put("perSecond", Math.round(committed / (nanos / 1e9)));
        if (publishedNanos != null) {
            round.put("publishSeconds", Math.round(publishedNanos / 1e7) / 100.0);
        }
        return round;
    }

    /** The rounds side by side, then the medians {@code s} (SEND path) and {@code i} (inbound). */
    private void write(int consumers, List<Map<String, Object>> sendRounds, List<Map<String, Object>> inboundRounds,
            long s, long i, Report report) {
        report.line("## 6. Inbound queue (" + messages + " messages per round over " + ROOMS + " rooms; talkwire.inbound "
                + "consumed by " + consumers + " Talkwire instance" + (consumers == 1 ? "" : "s") + ")\n");
        report.line("Rounds alternating: the SEND path (20 STOMP senders, each with up to " + window + " SENDs awaiting "
                + "their RECEIPT; from the first SEND to the last RECEIPT), then talkwire.inbound (persistent JSON "
                + "published by one bot with confirms every " + CONFIRM_BATCH + "; from the first publish until "
                + "PostgreSQL holds every message), and again.\n");
        report.line("| committed msg/s | SEND path | talkwire.inbound | inbound / SEND |\n|---|---|---|---|");
        for (int round = 0; round < rounds; round++) {
            long sr = (long) sendRounds.get(round).get("perSecond");
            long ir = (long) inboundRounds.get(round).get("perSecond");
            report.line("| round " + (round + 1) + " | " + sr + " | " + ir + " | " + Report.percent(ir, sr) + "% |");
        }
        report.line("| median | " + s + " | " + i + " | " + Report.percent(i, s) + "% |");
        List<String> publishing = inboundRounds.stream().map(r -> r.get("publishSeconds") + " s").toList();
        report.line("\nPublishing alone (the bot's side, confirms included) took " + String.join(", ", publishing)
                + " of the inbound rounds. Not committed in the end: " + uncommitted(sendRounds) + " (SEND path), "
                + uncommitted(inboundRounds) + " (inbound). Target: inbound at least 50% of the SEND path: "
                + (Report.percent(i, s) >= 50 ? "met" : "not met") + ".\n");
    }

    private long uncommitted(List<Map<String, Object>> rounds) {
        return rounds.stream().mapToLong(round -> Math.max(0, messages - (long) round.get("committed"))).sum();
    }
}
