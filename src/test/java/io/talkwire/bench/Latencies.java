package io.talkwire.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Delivery latencies, recorded in microseconds and summarized as percentiles in milliseconds (to 0.1 ms), in an
 * HdrHistogram of 3 significant digits: a percentile within 0.1% of the exact one, in the same small memory however
 * many deliveries a window has.
 */
final class Latencies {

    private static final int SIGNIFICANT_DIGITS = 3;

    /** Concurrent: the WebSocket listeners of every subscriber record into the same window at once. */
    private final Histogram micros = new ConcurrentHistogram(SIGNIFICANT_DIGITS);

    void recordNanos(long nanos) {
        micros.recordValue(nanos / 1000);
    }

    /** Every latency of {@code parts} in one. */
    static Latencies merge(List<Latencies> parts) {
        Latencies all = new Latencies();
        parts.forEach(part -> all.micros.add(part.micros));
        return all;
    }

    double p50Ms() {
        return percentileMs(50);
    }

    double p95Ms() {
        return percentileMs(95);
    }

    double p99Ms() {
        return percentileMs(99);
    }

    double maxMs() {
        return millis(micros.getMaxValue());
    }

    /** p50Ms, p95Ms, p99Ms and maxMs, in this order (results.json keeps it); 0 each when nothing was recorded. */
    Map<String, Object> summary() {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("p50Ms", p50Ms());
        summary.put("p95Ms", p95Ms());
        summary.put("p99Ms", p99Ms());
        summary.put("maxMs", maxMs());
        return summary;
    }

    private double percentileMs(double percentile) {
        return millis(micros.getValueAtPercentile(percentile));
    }

    private static double millis(long micros) {
        return Math.round(micros / 100.0) / 10.0;
    }
}
