package io.talkwire.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Scenario 2, the ceiling: the benchmark's room with the offered rate stepped up, a load of its own per step, until
 * messages are lost or p99 exceeds {@link #MAX_P99_MS}; the highest step without either is the sustained rate. Its
 * steps are also latency.png.
 */
final class CeilingScenario {

    private static final int[] RATES_PER_PUBLISHER = { 50, 100, 150, 200, 300, 400, 600, 800, 1200, 1600, 2400, 3200 };

    private static final double MAX_P99_MS = 250;

    private final int stepSeconds;

    CeilingScenario(int stepSeconds) {
        this.stepSeconds = stepSeconds;
    }

    /** Steps up Talkwire, then the baseline; {@code talkwire} is on the first instance, whose CPU every step reads. */
    void run(Talkwire talkwire, Target rabbit, Report report) throws Exception {
        List<Map<String, Object>> t = steps(talkwire, talkwire.processes());
        List<Map<String, Object>> r = steps(rabbit, talkwire.processes());
        long tSustained = sustained(t);
        long rSustained = sustained(r);
        report.put("ceiling", Map.of("talkwire", Map.of("steps", t, "sustainedDeliveriesPerSecond", tSustained),
                "rabbitDirect", Map.of("steps", r, "sustainedDeliveriesPerSecond", rSustained)));
        report.line("## 2. Ceiling (offered rate stepped up until loss or p99 > 250 ms)\n");
        report.comparisonTable();
        report.row("highest sustained deliveries/s", tSustained, rSustained);
        report.line("\n| offered deliveries/s | Talkwire p50 / p99 (ms), lost | RabbitMQ direct p50 / p99 (ms), lost |\n|---|---|---|");
        for (int i = 0; i < Math.max(t.size(), r.size()); i++) {
            Map<String, Object> ts = i < t.size() ? t.get(i) : null;
            Map<String, Object> rs = i < r.size() ? r.get(i) : null;
            Object offered = (ts != null ? ts : rs).get("offeredDeliveriesPerSecond");
            report.line("| " + offered + " | " + stepCell(ts) + " | " + stepCell(rs) + " |");
        }
        report.line("\n![latency against offered load](latency.png)\n");
        report.chart(t, r);
    }

    private List<Map<String, Object>> steps(Target target, List<Process> servers) throws Exception {
        List<Map<String, Object>> steps = new ArrayList<>();
        for (int rate : RATES_PER_PUBLISHER) {
            Map<String, Object> step = FanOutLoad.measure(target, servers, rate, stepSeconds);
            step.put("offeredDeliveriesPerSecond", FanOutLoad.PUBLISHERS * FanOutLoad.SUBSCRIBERS * rate);
            steps.add(step);
            System.out.println(target.name() + " ceiling step " + step);
            if (!sustains(step)) {
                break;
            }
        }
        return steps;
    }

    private static boolean sustains(Map<String, Object> step) {
        return ((Number) step.get("lost")).longValue() == 0 && ((Number) step.get("p99Ms")).doubleValue() <= MAX_P99_MS;
    }

    private static long sustained(List<Map<String, Object>> steps) {
        long best = 0;
        for (Map<String, Object> step : steps) {
            if (sustains(step)) {
                best = Math.max(best, ((Number) step.get("deliveriesPerSecond")).longValue());
            }
        }
        return best;
    }

    private static String stepCell(Map<String, Object> step) {
        return step == null ? "-" : step.get("p50Ms") + " / " + step.get("p99Ms") + ", " + step.get("lost");
    }
}
