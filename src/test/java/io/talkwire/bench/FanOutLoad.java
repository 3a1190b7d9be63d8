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

import io.talkwire.bench.Benchmark.CpuMeter;
import io.talkwire.bench.Benchmark.LatencyLog;
import io.talkwire.bench.Benchmark.Probe;
import io.talkwire.bench.Benchmark.Target;

/**
 * R rooms x S subscribers x P publishers on one target, connected once and kept for several measured windows, so
 * that Talkwire and the baseline can be measured in turns: on a shared machine whose speed drifts from one minute to
 * the next, alternating short windows gives both the same conditions, where one long run each would not.
 */
final class FanOutLoad implements AutoCloseable {

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
                BitSet[] seen = new BitSet[publishers];
                for (int p = 0; p < publishers; p++) {
                    seen[p] = new BitSet();
                }
                BenchStomp subscriber = target.connect(body -> received(body, seen));
                subscriber.subscribe("s", target.topic(room)).get(30, TimeUnit.SECONDS);
                subscriberClients.add(subscriber);
            }
            for (int p = 0; p < publishers; p++) {
                publisherClients.add(target.connect(body -> { }));
                next.add(new AtomicInteger());
            }
        }
    }

    private void received(String body, BitSet[] seen) {
        Probe probe = Probe.parse(body);
        if (probe == null) {
            return;
        }
        synchronized (seen) {
            if (seen[probe.publisher()].get(probe.n())) {
                duplicates.incrementAndGet();
                return;
            }
            seen[probe.publisher()].set(probe.n());
        }
        Window current = window;
        if (current != null && current.counts(probe.sentNanos())) {
            current.delivered.incrementAndGet();
            current.latencies.add(System.nanoTime() - probe.sentNanos());
        }
    }

    /**
     * Every publisher sends at {@code ratePerPublisher}: {@code leadSeconds} unmeasured, then {@code seconds} measured
     * (latency from the SEND to each subscriber's receipt of it); then it waits for the last deliveries.
     */
    Window run(int ratePerPublisher, int leadSeconds, int seconds) throws InterruptedException {
        long start = System.nanoTime();
        Window measured = new Window(start + TimeUnit.SECONDS.toNanos(leadSeconds),
                start + TimeUnit.SECONDS.toNanos(leadSeconds + seconds), seconds,
                new LatencyLog(roomIds.size() * subscribers * publishers * seconds * ratePerPublisher + 1024));
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
     * lost and duplicated (over the whole life of the load), CPU use averaged over the measured time.
     */
    Map<String, Object> summary(List<Window> windows) {
        LatencyLog all = LatencyLog.merge(windows.stream().map(w -> w.latencies).toList());
        long expected = windows.stream().mapToLong(w -> w.sent.get() * subscribers).sum();
        long delivered = windows.stream().mapToLong(w -> w.delivered.get()).sum();
        int seconds = windows.stream().mapToInt(w -> w.seconds).sum();
        Map<String, Object> result = all.summary();
        result.put("expected", expected);
        result.put("delivered", delivered);
        result.put("lost", Math.max(0, expected - delivered));
        result.put("duplicated", duplicates.get());
        result.put("deliveriesPerSecond", Math.round(delivered / (double) seconds));
        for (String key : List.of("serverCpuCores", "generatorCpuCores")) {
            double weighted = windows.stream().mapToDouble(w -> w.cpu.get(key) * w.seconds).sum();
            result.put(key, Math.round(weighted / seconds * 100) / 100.0);
        }
        return result;
    }

    /** One measured stretch: what was sent in [from, until) and what of it arrived. */
    static final class Window {

        final long from;

        final long until;

        final int seconds;

        final LatencyLog latencies;

        final AtomicLong sent = new AtomicLong();

        final AtomicLong delivered = new AtomicLong();

        Map<String, Double> cpu = Map.of();

        Window(long from, long until, int seconds, LatencyLog latencies) {
            this.from = from;
            this.until = until;
            this.seconds = seconds;
            this.latencies = latencies;
        }

        boolean counts(long sentNanos) {
            return sentNanos >= from && sentNanos < until;
        }

        double p99Ms() {
            return ((Number) latencies.summary().get("p99Ms")).doubleValue();
        }
    }
}
