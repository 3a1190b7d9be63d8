package io.talkwire.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

import com.rabbitmq.client.Channel;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Scenario 7, notifications: how soon a DIRECT-room message reaches a push service's queue when its recipient is
 * offline. {@link #SENDERS} users, each with a DIRECT room whose other member never connects, SEND over STOMP at
 * {@code rate} messages per second in all for {@code seconds}; a {@link NotificationQueue} records when each
 * notification arrives, and two latencies are taken on this machine's one clock: from the message's sentAt in the
 * rooms' history (taken as its batch's commit begins, to the millisecond), so the commit's own time included; and
 * from the arrival of the SEND's RECEIPT, which Talkwire writes once the commit returned (the commit as its sender
 * sees it: a little later than the commit itself). Baseline in the same run: persistent JSON published straight to
 * the same queue at the same rate, from publish to consume (RabbitMQ's own share). Before the measured sends, the same
 * senders send as many per second for {@code warmupSeconds}, unmeasured, so that Talkwire's JIT has compiled the
 * path (as scenario 1's {@link WarmUp} does); their messages count in no figure.
 */
final class NotificationsScenario {

    private static final int SENDERS = 20;

    /** The clientMessageIds of the measured sends begin with this. */
    private static final String MEASURED = "n-";

    /** The largest page of history. */
    private static final int HISTORY_PAGE = 200;

    /** Waiting for the last notifications ends when none has come for this long. */
    private static final long QUIET_MILLIS = 3000;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final int rate;

    private final int seconds;

    private final int warmupSeconds;

    NotificationsScenario(int rate, int seconds, int warmupSeconds) {
        this.rate = rate;
        this.seconds = seconds;
        this.warmupSeconds = warmupSeconds;
    }

    /** Measures Talkwire (with users of its own on the first instance), then the baseline, and reports. */
    void run(TalkwireProcesses processes, Report report) throws Exception {
        Map<String, Object> talkwire;
        Map<String, Object> direct;
        try (NotificationQueue queue = new NotificationQueue()) {
            talkwire = measureTalkwire(processes, queue);
            direct = measureDirect(queue);
            talkwire.put("unreadableOnQueue", queue.unreadable());
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("ratePerSecond", rate);
        result.put("seconds", seconds);
        result.put("warmupSeconds", warmupSeconds);
        result.put("senders", SENDERS);
        result.put("talkwire", talkwire);
        result.put("amqpDirect", direct);
        report.put("notifications", result);
        write(talkwire, direct, report);
    }

    private Map<String, Object> measureTalkwire(TalkwireProcesses processes, NotificationQueue queue) throws Exception {
        List<Talkwire> senders = new ArrayList<>();
        List<String> rooms = new ArrayList<>();
        for (int s = 0; s < SENDERS; s++) {
            Talkwire sender = processes.newUser(1);
            Talkwire offline = processes.newUser(1); // never connects: each message notifies them
            rooms.add(sender.directRoom(offline.username()));
            senders.add(sender);
        }
        queue.watch(rooms.stream().map(Long::valueOf).toList());
        List<BenchStomp> clients = senders.stream().map(sender -> sender.connect(body -> { })).toList();
        Map<String, Long> receiptedAt = new ConcurrentHashMap<>();
        AtomicLong ids = new AtomicLong();
        if (warmupSeconds > 0) { // unmeasured: ids of "w-", no receipt times kept
            long warmedUp = paced(SENDERS, warmupSeconds, s -> send(clients.get(s), senders.get(s), rooms.get(s),
                    "w-" + ids.incrementAndGet()));
            awaitQuiet(queue::notified, warmedUp);
        }
        long notifiedBefore = queue.notified();
        long duplicatedBefore = queue.duplicates();
        long sent = paced(SENDERS, seconds, s -> {
            String id = MEASURED + ids.incrementAndGet();
            send(clients.get(s), senders.get(s), rooms.get(s), id)
                .thenRun(() -> receiptedAt.put(id, System.currentTimeMillis()));
        });
        awaitQuiet(() -> queue.notified() - notifiedBefore, sent);
        clients.forEach(BenchStomp::close);
        Latencies latencies = new Latencies();
        Latencies fromReceipt = new Latencies();
        long committed = 0;
        long notified = 0;
        for (int s = 0; s < SENDERS; s++) {
            for (Map.Entry<Long, Stored> message : stored(senders.get(s), rooms.get(s)).entrySet()) {
                if (!message.getValue().clientMessageId().startsWith(MEASURED)) {
                    continue;
                }
                committed++;
                Long arrived = queue.arrival(Long.parseLong(rooms.get(s)), message.getKey());
                if (arrived != null) {
                    notified++;
                    latencies.recordNanos(TimeUnit.MILLISECONDS.toNanos(Math.max(0, arrived - message.getValue().sentAt())));
                    Long receipted = receiptedAt.get(message.getValue().clientMessageId());
                    if (receipted != null) {
                        fromReceipt.recordNanos(TimeUnit.MILLISECONDS.toNanos(Math.max(0, arrived - receipted)));
                    }
                }
            }
        }
        Map<String, Object> result = latencies.summary();
        result.put("fromReceipt", fromReceipt.summary());
        result.put("sent", sent);
        result.put("committed", committed);
        result.put("notified", notified);
        result.put("missing", committed - notified);
        result.put("duplicated", queue.duplicates() - duplicatedBefore);
        return result;
    }

    private static CompletableFuture<Void> send(BenchStomp client, Talkwire sender, String room,
            String id) {
        return client.sendWithReceipt(sender.sendDestination(room),
                "{\"content\":\"notify " + id + "\",\"clientMessageId\":\"" + id + "\"}", id);
    }

    /** The baseline: the same rate, straight to the queue, from one channel. */
    private Map<String, Object> measureDirect(NotificationQueue queue) throws Exception {
        long sent;
        try (Channel publisher = queue.newChannel()) {
            sent = paced(1, seconds, stream -> queue.publishDirect(publisher));
        }
        awaitQuiet(queue::directReceived, sent);
        Map<String, Object> result = queue.direct().summary();
        result.put("sent", sent);
        result.put("received", queue.directReceived());
        result.put("missing", Math.max(0, sent - queue.directReceived()));
        return result;
    }

    /**
     * Calls {@code tick} rate x {@code seconds} times in all, at {@code rate} per second over {@code streams} periodic tasks
     * (each at rate / streams, their ticks staggered evenly; a stream's ticks never overlap). A tick that throws
     * ends its stream, and the wait ends 30 s after the planned end.
     *
     * @return the ticks that ran through
     */
    private long paced(int streams, int seconds, IntConsumer tick) throws InterruptedException {
        AtomicLong left = new AtomicLong((long) rate * seconds);
        AtomicLong done = new AtomicLong();
        long periodNanos = streams * TimeUnit.SECONDS.toNanos(1) / rate;
        ScheduledExecutorService pacer = Executors.newScheduledThreadPool(Math.min(streams, 4));
        for (int s = 0; s < streams; s++) {
            int stream = s;
            pacer.scheduleAtFixedRate(() -> {
                if (left.getAndDecrement() > 0) {
                    tick.accept(stream);
                    done.incrementAndGet();
                }
            }, s * periodNanos / streams, periodNanos, TimeUnit.NANOSECONDS);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds + 30L);
        while (left.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        pacer.shutdown();
        pacer.awaitTermination(10, TimeUnit.SECONDS);
        return done.get();
    }

    /** Until {@code received} reaches {@code expected}, or has not moved for {@link #QUIET_MILLIS}. */
    private static void awaitQuiet(LongSupplier received, long expected) throws InterruptedException {
        long last = received.getAsLong();
        long movedAt = System.nanoTime();
        while (last < expected && System.nanoTime() - movedAt < TimeUnit.MILLISECONDS.toNanos(QUIET_MILLIS)) {
            Thread.sleep(20);
            long now = received.getAsLong();
            if (now != last) {
                last = now;
                movedAt = System.nanoTime();
            }
        }
    }

    /** A stored message: its sentAt (epoch ms) and clientMessageId. */
    private record Stored(long sentAt, String clientMessageId) {
    }

    /** Each message of the room by seq, from its history ({@code after=}, page by page). */
    private static Map<Long, Stored> stored(Talkwire member, String room) throws Exception {
        Map<Long, Stored> stored = new LinkedHashMap<>();
        long after = 0;
        while (true) {
            JsonNode page = JSON.readTree(member.get("/api/rooms/" + room + "/messages?after=" + after + "&limit="
                    + HISTORY_PAGE));
            for (JsonNode message : page) {
                after = message.get("seq").asLong();
                stored.put(after, new Stored(Instant.parse(message.get("sentAt").asString()).toEpochMilli(),
                        message.path("clientMessageId").asString("")));
            }
            if (page.size() < HISTORY_PAGE) {
                return stored;
            }
        }
    }

    private void write(Map<String, Object> t, Map<String, Object> d, Report report) {
        report.line("## 7. Notifications (" + SENDERS + " DIRECT rooms, each with a member who is offline; " + rate
                + " msg/s in all for " + seconds + " s, after " + warmupSeconds + " s of the same, unmeasured)\n");
        report.line("Talkwire: to the arrival of a message's notification on a queue of the benchmark's bound to "
                + "talkwire.notifications with user.*, on this machine's one clock, from the SEND's RECEIPT (written "
                + "once the commit returned: the commit as its sender sees it), and from the message's sentAt (taken as "
                + "its batch's commit begins, to the ms: the commit's own time included). Baseline: persistent JSON "
                + "published straight to the same queue at the same rate, from publish to consume.\n");
        @SuppressWarnings("unchecked")
        Map<String, Object> fromReceipt = (Map<String, Object>) t.get("fromReceipt");
        report.line("| | Talkwire: RECEIPT to notification | Talkwire: sentAt to notification | RabbitMQ: publish to "
                + "consume | ratio (from RECEIPT) |\n|---|---|---|---|---|");
        for (String key : List.of("p50Ms", "p95Ms", "p99Ms", "maxMs")) {
            report.line("| " + key.replace("Ms", " (ms)") + " | " + fromReceipt.get(key) + " | " + t.get(key) + " | "
                    + d.get(key) + " | " + Report.ratio(fromReceipt.get(key), d.get(key)) + " |");
        }
        report.line("");
        report.line("| | Talkwire | RabbitMQ | |\n|---|---|---|---|");
        report.row("sent", t.get("sent") + " SENDs", d.get("sent") + " publishes");
        report.row("committed (in history)", t.get("committed"), "-");
        report.row("notified / received", t.get("notified") + "", d.get("received") + "");
        report.row("missing", t.get("missing") + "", d.get("missing") + "");
        report.row("duplicated", t.get("duplicated"), "-");
        boolean met = ((Number) fromReceipt.get("p99Ms")).doubleValue() <= 50
                && ((Number) t.get("missing")).longValue() == 0;
        report.line("\nTarget: p99 at most 50 ms from the commit (RECEIPT), and every committed message notified: "
                + (met ? "met" : "not met") + ".\n");
    }
}
