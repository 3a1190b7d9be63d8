package io.talkwire.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Scenario 5, connect rate: sessions opened as fast as {@code concurrency} connectors go (WebSocket upgrade, STOMP
 * CONNECT, wait for CONNECTED), against Talkwire and the baseline in turns so that the machine's drift falls on both
 * alike; each round's sessions are closed before the next. Talkwire's sessions belong to real users, at most
 * {@link #SESSIONS_PER_USER} each, as its default limit would allow. Unmeasured rounds against both come first, until
 * Talkwire's JIT compilers are done with its connect path (under 1% of a round spent compiling, as {@link WarmUp}
 * asks of fan-out) or {@code warmupRounds} have run: both were a third slower in their first round.
 */
final class ConnectRateScenario {

    /** Talkwire's default {@code talkwire.limits.sessions-per-user}: the scenario's users stay within it. */
    private static final int SESSIONS_PER_USER = 20;

    private final int sessions;

    private final int concurrency;

    private final int rounds;

    private final int warmupRounds;

    ConnectRateScenario(int sessions, int concurrency, int rounds, int warmupRounds) {
        this.sessions = sessions;
        this.concurrency = concurrency;
        this.rounds = rounds;
        this.warmupRounds = warmupRounds;
    }

    /** Measures and reports, with users of its own on Talkwire's first instance. */
    void run(TalkwireProcesses processes, Target rabbit, Report report) throws Exception {
        List<Talkwire> users = new ArrayList<>();
        while (users.size() * SESSIONS_PER_USER < sessions) {
            users.add(processes.newUser(1));
        }
        List<Process> jvms = users.getFirst().processes();
        int warmedUp = 0;
        for (int round = 0; round < warmupRounds; round++) {
            warmedUp++;
            long jitBefore = JvmCounters.jitMillis(jvms);
            long started = System.nanoTime();
            Map<String, Object> talkwire = measureRound(i -> users.get(i / SESSIONS_PER_USER).connect(body -> { }));
            long jit = JvmCounters.jitMillis(jvms) - jitBefore;
            long roundMillis = (System.nanoTime() - started) / 1_000_000;
            System.out.println("connect warm-up round " + (round + 1) + ": Talkwire " + talkwire + " (JIT compiling " + jit
                    + " of " + roundMillis + " ms), RabbitMQ direct " + measureRound(i -> rabbit.connect(body -> { })));
            if (WarmUp.compiled(jit, roundMillis)) {
                break;
            }
        }
        List<Map<String, Object>> talkwireRounds = new ArrayList<>();
        List<Map<String, Object>> rabbitRounds = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            talkwireRounds.add(measureRound(i -> users.get(i / SESSIONS_PER_USER).connect(body -> { })));
            rabbitRounds.add(measureRound(i -> rabbit.connect(body -> { })));
            System.out.println("connect round " + (round + 1) + ": Talkwire " + talkwireRounds.getLast()
                    + ", RabbitMQ direct " + rabbitRounds.getLast());
        }
        long t = Report.median(talkwireRounds, "connectsPerSecond");
        long r = Report.median(rabbitRounds, "connectsPerSecond");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("sessionsPerRound", sessions);
        result.put("concurrency", concurrency);
        result.put("warmupRounds", warmedUp);
        result.put("talkwireUsers", users.size());
        result.put("talkwire", Map.of("rounds", talkwireRounds, "medianConnectsPerSecond", t));
        result.put("rabbitDirect", Map.of("rounds", rabbitRounds, "medianConnectsPerSecond", r));
        result.put("ratioPercent", Report.percent(t, r));
        report.put("connects", result);
        write(users.size(), talkwireRounds, rabbitRounds, t, r, report);
    }

    /** One round: connects per second over all its sessions, then every session closed and RabbitMQ settled. */
    private Map<String, Object> measureRound(IntFunction<BenchStomp> session) throws Exception {
        long rabbitConnectionsBefore = RabbitManagement.connections();
        OpenedSessions opened = OpenedSessions.open(sessions, concurrency, session);
        opened.closeAll();
        // each session is a RabbitMQ connection, and thousands closing would fall on the next round, the other target's
        RabbitManagement.awaitConnectionsAtMost(rabbitConnectionsBefore);
        Map<String, Object> round = new LinkedHashMap<>();
        round.put("connectsPerSecond", opened.perSecond());
        round.put("failed", (long) (sessions - opened.clients().size()));
        opened.putFirstFailure(round);
        return round;
    }

    /** The rounds side by side, then the medians {@code t} (Talkwire) and {@code r} (the baseline). */
    private void write(int users, List<Map<String, Object>> talkwireRounds, List<Map<String, Object>> rabbitRounds,
            long t, long r, Report report) {
        report.line("## 5. Connect rate (" + sessions + " sessions per round, " + concurrency + " CONNECTs under way at "
                + "once; Talkwire's for " + users + " users)\n");
        report.line("WebSocket upgrade + STOMP CONNECT until CONNECTED, rounds alternating (Talkwire, then RabbitMQ "
                + "direct, and again); each round's sessions closed before the next; before them, unmeasured rounds of "
                + "each until Talkwire's JIT compiled under 1% of a round, at most " + warmupRounds + ".\n");
        report.line("| connects/s | Talkwire | RabbitMQ direct | Talkwire / direct |\n|---|---|---|---|");
        for (int round = 0; round < rounds; round++) {
            long tr = (long) talkwireRounds.get(round).get("connectsPerSecond");
            long rr = (long) rabbitRounds.get(round).get("connectsPerSecond");
            report.line("| round " + (round + 1) + " | " + tr + " | " + rr + " | " + Report.percent(tr, rr) + "% |");
        }
        report.line("| median | " + t + " | " + r + " | " + Report.percent(t, r) + "% |");
        report.line("\nFailed CONNECTs: Talkwire " + failed(talkwireRounds) + ", RabbitMQ direct " + failed(rabbitRounds)
                + ".\n");
    }

    private static long failed(List<Map<String, Object>> rounds) {
        return rounds.stream().mapToLong(round -> (long) round.get("failed")).sum();
    }

}
