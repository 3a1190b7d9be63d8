package io.talkwire.bench;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * R rooms x S subscribers x P publishers on one target, connected once and kept for several measured windows, so
 * that Talkwire and the baseline can be measured in turns: on a shared machine whose speed drifts from one minute to
 * the next, alternating short windows gives both the same conditions, where one long run each would not.
 */
final class FanOutLoad implements AutoCloseable {

    /** Subscribers of the benchmark's room (scenarios 1 and 2, the warm-up). */
    static final int SUBSCRIBERS = 20;

    /** Publishers to the benchmark's room. */
    static final int PUBLISHERS = 2;

    /** Messages a publisher may send over the life of the load (sized for the duplicate check). */
    private static final int MAX_PER_PUBLISHER = 1 << 20;

    private final Target target;

    private final int subscribers;

    private final int publishers;

    private final List<String> roomIds = new ArrayList<>();

    private final List<BenchStomp> subscriberClients = new ArrayList<>();

    private final List<BenchStomp> publisherClients = new ArrayList<>();

    /** The next message number of each publisher of each room: numbers go on from one window to the next. */
    private final List<AtomicInteger> next = new ArrayList<>();

    private final AtomicLong duplicates = new AtomicLong();

    /** First deliveries whose number is below one already received from the same publisher. */
    private final AtomicLong outOfOrder = new AtomicLong();

    /** First deliveries whose room seq is not above every one received before (Talkwire's events carry it). */
    private final AtomicLong roomSeqOutOfOrder = new AtomicLong();

    private final CpuMeter cpu;

    /** The window being measured, or null between windows. */
    private volatile Window window;

    FanOutLoad(Target target, CpuMeter cpu, int rooms, int subscribers, int publishers) throws Exception {
        this.target = target;
        this.cpu = cpu;
        this.subscribers = subscribers;
        this.publishers = publishers;
        for (int r = 0; r < rooms; r++) {
            roomIds.add(target.newRoom());
        }
        for (String room : roomIds) {
            for (int s = 0; s < subscribers; s++) {
                Arrivals arrivals = new Arrivals(publishers);
                BenchStomp subscriber = target.connect(body -> received(body, arrivals));
                subscriber.subscribe("s", target.topic(room)).get(30, TimeUnit.SECONDS);
                subscriberClients.add(subscriber);
            }
            for (int p = 0; p < publishers; p++) {
                publisherClients.add(target.connect(body -> { }));
                next.add(new AtomicInteger());
            }
        }
    }

    /**
     * One run on a load of its own in one room of {@link #SUBSCRIBERS} and {@link #PUBLISHERS}: connected,
     * {@code seconds / 5} s (at least 2) unmeasured, {@code seconds} measured, closed; CPU of {@code servers}.
     */
    static Map<String, Object> measure(Target target, List<Process> servers, int ratePerPublisher, int seconds)
            throws Exception {
        try (FanOutLoad load = new FanOutLoad(target, new CpuMeter(servers), 1, SUBSCRIBERS, PUBLISHERS)) {
            return load.summary(List.of(load.run(ratePerPublisher, Math.max(2, seconds / 5), seconds)));
        }
    }

    private void received(String body, Arrivals arrivals) {
        Probe probe = Probe.parse(body);
        if (probe == null || !arrivals.first(probe, roomSeq(body))) {
            return;
        }
        Window current = window;
        if (current != null && current.counts(probe.sentNanos())) {
            current.delivered.incrementAndGet();
            current.latencies.recordNanos(System.nanoTime() - probe.sentNanos());
        }
    }

    /** The {@code "seq"} of a Talkwire MESSAGE event (the room's, in commit order), or -1 in a body without one. */
    private static long roomSeq(String body) {
        int at = body.indexOf("\"seq\":");
        if (at < 0) {
            return -1;
        }
        int end = at + 6;
        while (end < body.length() && Character.isDigit(body.charAt(end))) {
            end++;
        }
        return Long.parseLong(body, at + 6, end, 10);
    }

    /**
     * Every publisher sends at {@code ratePerPublisher}: {@code leadSeconds} unmeasured, then {@code seconds} measured
     * (latency from the SEND to each subscriber's receipt of it); then it waits for the last deliveries.
     */
    Window run(int ratePerPublisher, int leadSeconds, int seconds) throws InterruptedException {
        long start = System.nanoTime();
        Window measured = new Window(start + TimeUnit.SECONDS.toNanos(leadSeconds),
                start + TimeUnit.SECONDS.toNanos(leadSeconds + seconds), seconds);
        window = measured;
        ScheduledExecutorService pacer = Executors.newScheduledThreadPool(Math.max(2, publisherClients.size()));
        for (int i = 0; i < publisherClients.size(); i++) {
            BenchStomp publisher = publisherClients.get(i);
            String room = roomIds.get(i / publishers);
            int publisherIndex = i % publishers;
            AtomicInteger n = next.get(i);
            pacer.scheduleAtFixedRate(() -> {
                long now = System.nanoTime();
                if (now >= measured.until || n.get() >= MAX_PER_PUBLISHER) {
                    return;
                }
                target.publish(publisher, room, new Probe(publisherIndex, n.getAndIncrement(), now).body());
                if (measured.counts(now)) {
                    measured.sent.incrementAndGet();
                }
            }, 0, 1_000_000 / ratePerPublisher, TimeUnit.MICROSECONDS);
        }
        TimeUnit.NANOSECONDS.sleep(Math.max(0, measured.from - System.nanoTime()));
        cpu.start();
        TimeUnit.NANOSECONDS.sleep(Math.max(0, measured.until - System.nanoTime()));
        measured.cpu = cpu.stop();
        pacer.shutdownNow();
        TimeUnit.SECONDS.sleep(2); // the last deliveries
        window = null;
        return measured;
    }

    @Override
    public void close() {
        subscriberClients.forEach(BenchStomp::close);
        publisherClients.forEach(BenchStomp::close);
    }

    /**
     * Merges measured windows into one result: latency percentiles over all their deliveries, delivered vs expected,
     * lost, duplicated and out of order (over the whole life of the load), CPU use averaged over the measured time.
     */
    Map<String, Object> summary(List<Window> windows) {
        Latencies all = Latencies.merge(windows.stream().map(w -> w.latencies).toList());
        long expected = windows.stream().mapToLong(w -> w.sent.get() * subscribers).sum();
        long delivered = windows.stream().mapToLong(w -> w.delivered.get()).sum();
        int seconds = windows.stream().mapToInt(w -> w.seconds).sum();
        Map<String, Object> result = all.summary();
        result.put("expected", expected);
        result.put("delivered", delivered);
        result.put("lost", Math.max(0, expected - delivered));
        result.put("duplicated", duplicates.get());
        result.put("outOfOrder", outOfOrder.get());
        if (target instanceof Talkwire) {
            result.put("roomSeqOutOfOrder", roomSeqOutOfOrder.get());
        }
        result.put("deliveriesPerSecond", Math.round(delivered / (double) seconds));
        for (String key : List.of("serverCpuCores", "generatorCpuCores")) {
            double weighted = windows.stream().mapToDouble(w -> w.cpu.get(key) * w.seconds).sum();
            result.put(key, Math.round(weighted / seconds * 100) / 100.0);
        }
        return result;
    }

    /**
     * What one subscriber (of one room) has received: each publisher's numbers, for duplicates, and the highest so
     * far, for deliveries out of the publisher's order; and the highest room seq, which must rise with every event.
     */
    private final class Arrivals {

        private final BitSet[] seen;

        private final int[] highest;

        private long highestRoomSeq = -1;

        Arrivals(int publishers) {
            seen = new BitSet[publishers];
            highest = new int[publishers];
            for (int p = 0; p < publishers; p++) {
                seen[p] = new BitSet();
                highest[p] = -1;
            }
        }

        /** Counts a duplicate or a delivery out of order; returns whether it is the first of its message. */
        synchronized boolean first(Probe probe, long roomSeq) {
            int p = probe.publisher();
            if (seen[p].get(probe.n())) {
                duplicates.incrementAndGet();
                return false;
            }
            seen[p].set(probe.n());
            if (probe.n() < highest[p]) {
                outOfOrder.incrementAndGet();
            }
            highest[p] = Math.max(highest[p], probe.n());
            if (roomSeq >= 0 && roomSeq <= highestRoomSeq) {
                roomSeqOutOfOrder.incrementAndGet();
            }
            highestRoomSeq = Math.max(highestRoomSeq, roomSeq);
            return true;
        }
    }

    /** One measured stretch: what was sent in [from, until) and what of it arrived. */
    static final class Window {

        final long from;

        final long until;

        final int seconds;

        final Latencies latencies = new Latencies();

        final AtomicLong sent = new AtomicLong();

        final AtomicLong delivered = new AtomicLong();

        Map<String, Double> cpu = Map.of();

        Window(long from, long until, int seconds) {
            this.from = from;
            this.until = until;
            this.seconds = seconds;
        }

        boolean counts(long sentNanos) {
            return sentNanos >= from && sentNanos < until;
        }

        double p99Ms() {
            return latencies.p99Ms();
        }
    }
}
