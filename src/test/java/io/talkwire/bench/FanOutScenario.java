package io.talkwire.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scenario 1, fan-out latency: one room, 20 subscribers, 2 publishers at 50 msg/s each. Both targets connected at
 * once and measured in turns ({@code rounds} windows of {@code roundSeconds} each), so that the machine's drift from
 * one minute to the next falls on both alike. On several Talkwire instances the subscribers and publishers take them
 * in turn (the target's connect does), so deliveries cross instances. Other targets ({@link Other}: Spring's relay
 * alone, another build) are measured in each round after the other two.
 */
final class FanOutScenario {

    private static final int RATE_PER_PUBLISHER = 50;

    private static final int LEAD_SECONDS = 1;

    private final int rounds;

    private final int roundSeconds;

    FanOutScenario(int rounds, int roundSeconds) {
        this.rounds = rounds;
        this.roundSeconds = roundSeconds;
    }

    /**
     * A target measured besides Talkwire and RabbitMQ direct, in the same rounds after those two: Spring's relay alone
     * ({@code BareRelay}: the relay to the same RabbitMQ with Spring's defaults, no authentication, no persistence), or
     * another build of Talkwire on one instance of its own. {@code label} names it in the report, {@code key} in
     * results.json.
     */
    record Other(String label, String key, Target target, Process process) {
    }

    /** Measures and reports; {@code warmUpSeconds} is the warm-up each target had, for the report. */
    void run(Talkwire talkwire, Target rabbit, List<Other> others, int warmUpSeconds, Report report) throws Exception {
        List<Process> jvms = talkwire.processes();
        Measured measured = measure(talkwire, rabbit, others, jvms);
        Map<String, Object> results = new LinkedHashMap<>(Map.of("talkwire", measured.talkwire(), "rabbitDirect",
                measured.rabbit(), "talkwireInstances", jvms.size(), "rounds", rounds, "roundSeconds", roundSeconds,
                "p99RatioByRound", measured.roundRatios(), "talkwireJitMillisDuringRounds", measured.jitMillis()));
        for (int i = 0; i < others.size(); i++) {
            results.put(others.get(i).key(), measured.others().get(i));
            results.put(others.get(i).key() + "P99RatioByRound", measured.otherRatios().get(i));
        }
        report.put("fanOut", results);
        write(measured, others, jvms.size(), warmUpSeconds, report);
    }

    /**
     * Each target's summary over all rounds, each round's p99 ratio to RabbitMQ direct, and Talkwire's JIT compiling
     * meanwhile; the others' in the order given.
     */
    private record Measured(Map<String, Object> talkwire, Map<String, Object> rabbit, List<String> roundRatios,
            long jitMillis, List<Map<String, Object>> others, List<List<String>> otherRatios) {
    }

    private Measured measure(Talkwire talkwire, Target rabbit, List<Other> others, List<Process> jvms)
            throws Exception {
        List<FanOutLoad.Window> talkwireWindows = new ArrayList<>();
        List<FanOutLoad.Window> rabbitWindows = new ArrayList<>();
        List<List<FanOutLoad.Window>> otherWindows = new ArrayList<>();
        List<String> roundRatios = new ArrayList<>();
        List<List<String>> otherRatios = new ArrayList<>();
        List<FanOutLoad> otherLoads = new ArrayList<>();
        try (FanOutLoad talkwireLoad = load(talkwire, jvms); FanOutLoad rabbitLoad = load(rabbit, jvms)) {
            for (Other other : others) {
                otherLoads.add(load(other.target(), List.of(other.process())));
                otherWindows.add(new ArrayList<>());
                otherRatios.add(new ArrayList<>());
            }
            long jitBefore = JvmCounters.jitMillis(jvms);
            for (int round = 0; round < rounds; round++) {
                FanOutLoad.Window tw = talkwireLoad.run(RATE_PER_PUBLISHER, LEAD_SECONDS, roundSeconds);
                FanOutLoad.Window rw = rabbitLoad.run(RATE_PER_PUBLISHER, LEAD_SECONDS, roundSeconds);
                talkwireWindows.add(tw);
                rabbitWindows.add(rw);
                roundRatios.add(String.format("%.2fx", tw.p99Ms() / rw.p99Ms()));
                StringBuilder line = new StringBuilder("fan-out round " + (round + 1) + ": p99 ratio " + roundRatios.getLast());
                for (int i = 0; i < others.size(); i++) {
                    FanOutLoad.Window ow = otherLoads.get(i).run(RATE_PER_PUBLISHER, LEAD_SECONDS, roundSeconds);
                    otherWindows.get(i).add(ow);
                    otherRatios.get(i).add(String.format("%.2fx", ow.p99Ms() / rw.p99Ms()));
                    line.append(", ").append(others.get(i).label()).append(' ').append(otherRatios.get(i).getLast());
                }
                System.out.println(line);
            }
            long jitDuringRounds = JvmCounters.jitMillis(jvms) - jitBefore;
            List<Map<String, Object>> otherSummaries = new ArrayList<>();
            for (int i = 0; i < others.size(); i++) {
                otherSummaries.add(otherLoads.get(i).summary(otherWindows.get(i)));
            }
            return new Measured(talkwireLoad.summary(talkwireWindows), rabbitLoad.summary(rabbitWindows), roundRatios,
                    jitDuringRounds, otherSummaries, otherRatios);
        }
        finally {
            for (FanOutLoad load : otherLoads) {
                load.close();
            }
        }
    }

    private static FanOutLoad load(Target target, List<Process> jvms) throws Exception {
        return new FanOutLoad(target, new CpuMeter(jvms), 1, FanOutLoad.SUBSCRIBERS, FanOutLoad.PUBLISHERS);
    }

    private void write(Measured measured, List<Other> others, int instances, int warmUpSeconds, Report report) {
        Map<String, Object> t = measured.talkwire();
        Map<String, Object> r = measured.rabbit();
        report.line("## 1. Fan-out latency (1 room, 20 subscribers, 2 publishers at 50 msg/s each: 2,000 deliveries/s; "
                + (instances == 1 ? "1 Talkwire instance" : "spread over " + instances + " Talkwire instances") + ")\n");
        report.line("Measured in " + rounds + " alternating rounds of " + roundSeconds + " s per target (Talkwire, then "
                + "RabbitMQ direct, and again), both connected throughout; percentiles over all rounds.\n");
        report.comparisonTable();
        for (String key : List.of("p50Ms", "p95Ms", "p99Ms", "maxMs")) {
            report.row(key.replace("Ms", " (ms)"), t.get(key), r.get(key));
        }
        report.row("delivered / expected", t.get("delivered") + " / " + t.get("expected"),
                r.get("delivered") + " / " + r.get("expected"));
        report.row("lost", t.get("lost"), r.get("lost"));
        report.row("duplicated", t.get("duplicated"), r.get("duplicated"));
        report.row("out of order (a publisher's later message received first)", t.get("outOfOrder"), r.get("outOfOrder"));
        report.row("out of order (room seq not above every one received before)", t.get("roomSeqOutOfOrder"), "-");
        report.row("Talkwire CPU (cores, " + instances + " instance" + (instances == 1 ? "" : "s") + ")",
                t.get("serverCpuCores"), "-");
        report.row("load generator CPU (cores)", t.get("generatorCpuCores"), r.get("generatorCpuCores"));
        report.line("\np99 ratio round by round: " + String.join(", ", measured.roundRatios()) + ". After a warm-up of "
                + warmUpSeconds + " s per target; Talkwire's JIT compiled for " + measured.jitMillis()
                + " ms during the rounds.\n");
        for (int i = 0; i < others.size(); i++) {
            Map<String, Object> o = measured.others().get(i);
            report.line("The " + others.get(i).label() + " (`" + others.get(i).key() + "`), measured in the same rounds "
                    + "after the other two:\n");
            report.line("| | " + others.get(i).key() + " | RabbitMQ direct | ratio |\n|---|---|---|---|");
            for (String key : List.of("p50Ms", "p95Ms", "p99Ms", "maxMs")) {
                report.row(key.replace("Ms", " (ms)"), o.get(key), r.get(key));
            }
            report.row("delivered / expected / lost", o.get("delivered") + " / " + o.get("expected") + " / " + o.get("lost"),
                    "-");
            report.row("duplicated / out of order", o.get("duplicated") + " / " + o.get("outOfOrder"), "-");
            report.row("its CPU (cores)", o.get("serverCpuCores"), "-");
            report.line("\nIts p99 ratio round by round: " + String.join(", ", measured.otherRatios().get(i)) + ".\n");
        }
    }
}
