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
 * {@value #POLL_MILLIS} ms); a SEND round from the first SEND until the last RECEIPT. A third path is inbound again
 * with a poison message after every {@value #POISON_EVERY} good ones (bad JSON, an unknown user or room, no
 * clientMessageId, too long a content, in turn), timed the same way, its poison counted in talkwire.inbound.dead: the
 * consumer must keep its pace.
 */
final class InboundScenario {

    /** The queue bots post to, through the default exchange. */
    private static final String INBOUND = "talkwire.inbound";

    private static final int ROOMS = 20;

    private static final int CONFIRM_BATCH = 500;

    private static final long CONFIRM_TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(30);

    private static final long POLL_MILLIS = 20;

    /** The poisoned inbound path: one message that can never be committed after this many good ones. */
    private static final int POISON_EVERY = 9;

    private static final String DEAD = "talkwire.inbound.dead";

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
        List<Map<String, Object>> poisonedRounds = new ArrayList<>();
        try (Connection rabbit = RabbitAmqp.connect("talkwire-bench-inbound")) {
            for (int round = 0; round < rounds; round++) {
                sendRounds.add(measureSends(target));
                inboundRounds.add(measureInbound(target, rabbit, false));
                poisonedRounds.add(measureInbound(target, rabbit, true));
                System.out.println("inbound round " + (round + 1) + ": SEND path " + sendRounds.getLast()
                        + ", talkwire.inbound " + inboundRounds.getLast() + ", with poison " + poisonedRounds.getLast());
            }
        }
        long p = Report.median(poisonedRounds, "perSecond");
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
        result.put("inboundWithPoison", Map.of("rounds", poisonedRounds, "medianPerSecond", p, "poisonEvery",
                POISON_EVERY));
        result.put("ratioPercent", Report.percent(i, s));
        report.put("inbound", result);
        write(consumers, sendRounds, inboundRounds, poisonedRounds, s, i, p, report);
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

    /**
     * talkwire.inbound: {@code messages} into 20 new rooms, until PostgreSQL holds them all; with {@code poison}, a
     * message that can never be committed after every {@value #POISON_EVERY}, and the round also waits until
     * talkwire.inbound.dead holds them all.
     */
    private Map<String, Object> measureInbound(Talkwire target, Connection rabbit, boolean poison) throws Exception {
        List<String> roomIds = target.newRooms(ROOMS);
        String run = UUID.randomUUID().toString().substring(0, 8);
        long deadBefore = deadLetters(rabbit);
        long poisoned = 0;
        long start;
        try (Channel channel = rabbit.createChannel()) {
            channel.confirmSelect();
            start = System.nanoTime();
            for (int n = 0; n < messages; n++) {
                String body = "{\"roomId\":" + roomIds.get(n % ROOMS) + ",\"username\":\"" + target.username()
                        + "\",\"content\":\"inbound " + run + "-" + n + "\",\"clientMessageId\":\"" + run + "-" + n + "\"}";
                channel.basicPublish("", INBOUND, RabbitAmqp.PERSISTENT_JSON, body.getBytes());
                if (poison && (n + 1) % POISON_EVERY == 0 && n + 1 < messages) {
                    channel.basicPublish("", INBOUND, RabbitAmqp.PERSISTENT_JSON,
                            poison(poisoned++, roomIds.get(n % ROOMS), target.username(), run).getBytes());
                }
                if ((n + 1) % CONFIRM_BATCH == 0 || n + 1 == messages) {
                    channel.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MILLIS);
                }
            }
        }
        long published = System.nanoTime() - start;
        long committed = StoredMessages.awaitCount(jdbcUrl, roomIds, messages, POLL_MILLIS, STALL_SECONDS);
        long elapsed = System.nanoTime() - start;
        Map<String, Object> round = round(committed, elapsed, published);
        if (poison) {
            round.put("poisoned", poisoned);
            round.put("deadLettered", awaitDeadLetters(rabbit, deadBefore + poisoned) - deadBefore);
        }
        return round;
    }

    /** The {@code k}th poison message: each kind in turn, none of which can ever be committed. */
    private static String poison(long k, String roomId, String username, String run) {
        String id = "\"clientMessageId\":\"" + run + "-poison-" + k + "\"";
        return switch ((int) (k % 5)) {
            case 0 -> "{\"roomId\":" + roomId + ",\"username\":"; // bad JSON
            case 1 -> "{\"roomId\":" + roomId + ",\"username\":\"nobody-" + run + "\",\"content\":\"x\"," + id + "}";
            case 2 -> "{\"roomId\":999999999,\"username\":\"" + username + "\",\"content\":\"x\"," + id + "}";
            case 3 -> "{\"roomId\":" + roomId + ",\"username\":\"" + username + "\",\"content\":\"x\"}";
            default -> "{\"roomId\":" + roomId + ",\"username\":\"" + username + "\",\"content\":\"" + "x".repeat(5000)
                    + "\"," + id + "}";
        };
    }

    private static long deadLetters(Connection rabbit) throws Exception {
        try (Channel channel = rabbit.createChannel()) {
            return channel.queueDeclarePassive(DEAD).getMessageCount();
        }
    }

    /** talkwire.inbound.dead's count once it reaches {@code expected}, or has not moved for 5 s. */
    private static long awaitDeadLetters(Connection rabbit, long expected) throws Exception {
        long count = deadLetters(rabbit);
        long movedAt = System.nanoTime();
        while (count < expected && System.nanoTime() - movedAt < TimeUnit.SECONDS.toNanos(5)) {
            Thread.sleep(POLL_MILLIS);
            long now = deadLetters(rabbit);
            if (now != count) {
                count = now;
                movedAt = System.nanoTime();
            }
        }
        return count;
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

    /** The rounds side by side, then the medians {@code s} (SEND path), {@code i} (inbound) and {@code p} (poisoned). */
    private void write(int consumers, List<Map<String, Object>> sendRounds, List<Map<String, Object>> inboundRounds,
            List<Map<String, Object>> poisonedRounds, long s, long i, long p, Report report) {
        report.line("## 6. Inbound queue (" + messages + " messages per round over " + ROOMS + " rooms; talkwire.inbound "
                + "consumed by " + consumers + " Talkwire instance" + (consumers == 1 ? "" : "s") + ")\n");
        report.line("Rounds alternating: the SEND path (20 STOMP senders, each with up to " + window + " SENDs awaiting "
                + "their RECEIPT; from the first SEND to the last RECEIPT), then talkwire.inbound (persistent JSON "
                + "published by one bot with confirms every " + CONFIRM_BATCH + "; from the first publish until "
                + "PostgreSQL holds every message), then talkwire.inbound with a message that can never be committed "
                + "after every " + POISON_EVERY + " (the good ones timed the same way), and again.\n");
        report.line("| committed msg/s | SEND path | talkwire.inbound | inbound / SEND | inbound with poison | poisoned / "
                + "inbound | dead-lettered |\n|---|---|---|---|---|---|---|");
        for (int round = 0; round < rounds; round++) {
            long sr = (long) sendRounds.get(round).get("perSecond");
            long ir = (long) inboundRounds.get(round).get("perSecond");
            Map<String, Object> pr = poisonedRounds.get(round);
            long prs = (long) pr.get("perSecond");
            report.line("| round " + (round + 1) + " | " + sr + " | " + ir + " | " + Report.percent(ir, sr) + "% | " + prs
                    + " | " + Report.percent(prs, ir) + "% | " + pr.get("deadLettered") + " of " + pr.get("poisoned") + " |");
        }
        report.line("| median | " + s + " | " + i + " | " + Report.percent(i, s) + "% | " + p + " | "
                + Report.percent(p, i) + "% | |");
        List<String> publishing = inboundRounds.stream().map(r -> r.get("publishSeconds") + " s").toList();
        report.line("\nPublishing alone (the bot's side, confirms included) took " + String.join(", ", publishing)
                + " of the inbound rounds. Not committed in the end: " + uncommitted(sendRounds) + " (SEND path), "
                + uncommitted(inboundRounds) + " (inbound), " + uncommitted(poisonedRounds) + " (inbound with poison). "
                + "Target: inbound at least 50% of the SEND path: " + (Report.percent(i, s) >= 50 ? "met" : "not met")
                + ".\n");
    }

    private long uncommitted(List<Map<String, Object>> rounds) {
        return rounds.stream().mapToLong(round -> Math.max(0, messages - (long) round.get("committed"))).sum();
    }
}
