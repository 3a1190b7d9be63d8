package io.talkwire.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Scenario 1, fan-out latency: one room, 20 subscribers, 2 publishers at 50 msg/s each. Both targets connected at
 * once and measured in turns ({@code rounds} windows of {@code roundSeconds} each), so that the machine's drift from
 * one minute to the next falls on both alike. On several Talkwire instances the subscribers and publishers take them
 * in turn (the target's connect does), so deliveries cross instances. With a third target, Spring's relay alone
 * ({@link io.talkwire.bench.relay.BareRelay}), each round measures it after the other two.
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
     * Measures and reports; {@code warmUpSeconds} is the warm-up each target had, for the report. {@code bareRelay}, if
     * given, is Spring's relay alone, running as {@code bareRelayProcess}.
     */
    void run(Talkwire talkwire, Target rabbit, @Nullable Target bareRelay, @Nullable Process bareRelayProcess,
            int warmUpSeconds, Report report) throws Exception {
        List<Process> jvms = talkwire.processes();
        Measured measured = measure(talkwire, rabbit, bareRelay, bareRelayProcess, jvms);
        Map<String, Object> results = new LinkedHashMap<>(Map.of("talkwire", measured.talkwire(), "rabbitDirect",
                measured.rabbit(), "talkwireInstances", jvms.size(), "rounds", rounds, "roundSeconds", roundSeconds,
                "p99RatioByRound", measured.roundRatios(), "talkwireJitMillisDuringRounds", measured.jitMillis()));
        if (measured.bare() != null) {
            results.put("springRelayAlone", measured.bare());
            results.put("springRelayAloneP99RatioByRound", measured.bareRatios());
        }
        report.put("fanOut", results);
        write(measured, jvms.size(), warmUpSeconds, report);
    }

    /**
     * Each target's summary over all rounds, each round's p99 ratio to RabbitMQ direct, and Talkwire's JIT compiling
     * meanwhile; the relay alone's only if it was measured.
     */
    private record Measured(Map<String, Object> talkwire, Map<String, Object> rabbit, List<String> roundRatios,
            long jitMillis, @Nullable Map<String, Object> bare, List<String> bareRatios) {
    }

    private Measured measure(Talkwire talkwire, Target rabbit, @Nullable Target bareRelay,
            @Nullable Process bareRelayProcess, List<Process> jvms) throws Exception {
        List<FanOutLoad.Window> talkwireWindows = new ArrayList<>();
        List<FanOutLoad.Window> rabbitWindows = new ArrayList<>();
        List<FanOutLoad.Window> bareWindows = new ArrayList<>();
        List<String> roundRatios = new ArrayList<>();
        List<String> bareRatios = new ArrayList<>();
        try (FanOutLoad talkwireLoad = load(talkwire, jvms); FanOutLoad rabbitLoad = load(rabbit, jvms);
                FanOutLoad bareLoad = bareRelay == null || bareRelayProcess == null ? null
                        : load(bareRelay, List.of(bareRelayProcess))) {
            long jitBefore = JvmCounters.jitMillis(jvms);
            for (int round = 0; round < rounds; round++) {
                FanOutLoad.Window tw = talkwireLoad.run(RATE_PER_PUBLISHER, LEAD_SECONDS, roundSeconds);
                FanOutLoad.Window rw = rabbitLoad.run(RATE_PER_PUBLISHER, LEAD_SECONDS, roundSeconds);
                talkwireWindows.add(tw);
                rabbitWindows.add(rw);
                roundRatios.add(String.format("%.2fx", tw.p99Ms() / rw.p99Ms()));
                String line = "fan-out round " + (round + 1) + ": p99 ratio " + roundRatios.getLast();
                if (bareLoad != null) {
                    FanOutLoad.Window bw = bareLoad.run(RATE_PER_PUBLISHER, LEAD_SECONDS, roundSeconds);
                    bareWindows.add(bw);
                    bareRatios.add(String.format("%.2fx", bw.p99Ms() / rw.p99Ms()));
                    line += ", Spring relay alone " + bareRatios.getLast();
                }
                System.out.println(line);
            }
            long jitDuringRounds = JvmCounters.jitMillis(jvms) - jitBefore;
            return new Measured(talkwireLoad.summary(talkwireWindows), rabbitLoad.summary(rabbitWindows), roundRatios,
                    jitDuringRounds, bareLoad == null ? null : bareLoad.summary(bareWindows), bareRatios);
        }
    }

    private static FanOutLoad load(Target target, List<Process> jvms) throws Exception {
        return new FanOutLoad(target, new CpuMeter(jvms), 1, FanOutLoad.SUBSCRIBERS, FanOutLoad.PUBLISHERS);
    }

    private void write(Measured measured, int instances, int warmUpSeconds, Report report) {
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
        Map<String, Object> b = measured.bare();
        if (b != null) {
            report.line("Spring's STOMP relay alone (`BareRelay`: the relay to the same RabbitMQ with Spring's defaults; "
                    + "no authentication, no persistence), measured in the same rounds after the other two:\n");
            report.line("| | Spring relay alone | RabbitMQ direct | ratio |\n|---|---|---|---|");
            for (String key : List.of("p50Ms", "p95Ms", "p99Ms", "maxMs")) {
                report.row(key.replace("Ms", " (ms)"), b.get(key), r.get(key));
            }
            report.row("delivered / expected / lost", b.get("delivered") + " / " + b.get("expected") + " / " + b.get("lost"),
                    "-");
            report.row("relay's CPU (cores)", b.get("serverCpuCores"), "-");
            report.line("\nIts p99 ratio round by round: " + String.join(", ", measured.bareRatios()) + ".\n");
        }
    }
}
