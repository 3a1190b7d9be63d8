package io.talkwire.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario 3, connections: {@code sessions} authenticated STOMP sessions, all subscribed to one room (on Talkwire
 * spread over its instances), then one broadcast that must reach all. Then every session closes, and on Talkwire the
 * time until the room shows nobody online is taken, with REST polled from the first close on.
 */
final class ConnectionsScenario {

    private static final int CONCURRENCY = 16;

    private static final long BROADCAST_SECONDS = 60;

    private final int sessions;

    ConnectionsScenario(int sessions) {
        this.sessions = sessions;
    }

    void run(Talkwire talkwire, Target rabbit, Report report) throws Exception {
        Map<String, Object> t = measure(talkwire);
        Map<String, Object> r = measure(rabbit);
        report.put("connections", Map.of("talkwire", t, "rabbitDirect", r));
        report.line("## 3. Connections (" + sessions + " authenticated, subscribed sessions, then one broadcast)\n");
        report.comparisonTable();
        for (String key : List.of("sessionsHeld", "connectsPerSecond", "broadcastReachedAll", "broadcastMs",
                "rabbitConnections", "rabbitMemoryMb")) {
            report.row(key, t.get(key), r.get(key));
        }
        report.row("Talkwire instances (sessions spread over them)", t.get("talkwireInstances"), "-");
        report.row("Talkwire heap used (MB, all instances)", t.get("talkwireHeapMb"), "-");
        report.row("Talkwire RSS (MB, all instances)", t.get("talkwireRssMb"), "-");
        report.row("Talkwire RSS per session (KB)", t.get("talkwireRssPerSessionKb"), "-");
        report.row("Talkwire: all sessions closed until the room shows nobody online (ms)", t.get("talkwireEmptiedRoomMs"), "-");
        report.row("Talkwire: REST polls from the first close until then answered 503 (database pool busy with LEAVEs)",
                t.get("talkwireUnavailablePollsWhileEmptying"), "-");
        report.row("Talkwire: slowest of those REST polls (ms)", t.get("talkwireSlowestPollWhileEmptyingMs"), "-");
        report.line("");
    }

    private Map<String, Object> measure(Target target) throws Exception {
        String room = target.newRoom();
        AtomicInteger reached = new AtomicInteger();
        String marker = "broadcast-" + UUID.randomUUID();
        OpenedSessions opened = OpenedSessions.open(sessions, CONCURRENCY, i -> {
            BenchStomp client = target.connect(body -> {
                if (body.contains(marker)) {
                    reached.incrementAndGet();
                }
            });
            client.subscribe("s", target.topic(room)).join();
            return client;
        });
        int held = opened.clients().size();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("sessionsRequested", sessions);
        result.put("sessionsHeld", held);
        result.put("connectsPerSecond", opened.perSecond());
        opened.putFirstFailure(result);
        if (target instanceof Talkwire talkwire) {
            putMemory(talkwire, held, result);
        }
        result.put("rabbitConnections", RabbitManagement.connections());
        result.put("rabbitMemoryMb", RabbitManagement.memoryMb());
        long broadcastStart = System.nanoTime();
        target.broadcast(room, "{\"content\":\"" + marker + "\"}");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BROADCAST_SECONDS);
        while (reached.get() < held && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        result.put("broadcastReachedAll", reached.get() == held);
        result.put("broadcastReached", reached.get());
        result.put("broadcastMs", Math.round((System.nanoTime() - broadcastStart) / 1e6));
        closeAll(target, room, opened, result);
        return result;
    }

    /** Heap and RSS summed over Talkwire's instances, and RSS per session held. */
    private static void putMemory(Talkwire talkwire, int held, Map<String, Object> result) throws Exception {
        long heapMb = 0;
        long rssMb = 0;
        for (Process instance : talkwire.processes()) {
            JvmCounters.Memory memory = JvmCounters.memory(instance.pid());
            heapMb += memory.heapMb();
            rssMb += memory.rssMb();
        }
        result.put("talkwireInstances", talkwire.processes().size());
        result.put("talkwireHeapMb", heapMb);
        result.put("talkwireRssMb", rssMb);
        result.put("talkwireRssPerSessionKb", held == 0 ? 0 : rssMb * 1024 / held);
    }

    /**
     * Closes every session. Talkwire's REST is polled from the first close on, and the next scenario starts once its
     * room shows nobody online.
     */
    private static void closeAll(Target target, String room, OpenedSessions opened, Map<String, Object> result)
            throws Exception {
        FutureTask<Map<String, Long>> emptied =
                target instanceof Talkwire t ? new FutureTask<>(() -> t.awaitNobodyOnline(room)) : null;
        if (emptied != null) {
            Thread.ofVirtual().start(emptied);
        }
        opened.closeAll();
        long closed = System.nanoTime();
        if (emptied != null) {
            Map<String, Long> polls = emptied.get();
            result.put("talkwireEmptiedRoomMs", Math.max(0, Math.round((polls.get("emptiedAt") - closed) / 1e6)));
            result.put("talkwireUnavailablePollsWhileEmptying", polls.get("unavailablePolls"));
            result.put("talkwireSlowestPollWhileEmptyingMs", polls.get("slowestPollMs"));
        }
    }
}
