package io.talkwire.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.json.JsonMapper;

/**
 * What a run reports, gathered as the scenarios go and written at the end: results.json (the figures, in the order
 * they were put), results.md (tables comparing Talkwire with RabbitMQ direct, line by line, also printed) and
 * latency.png (scenario 2's steps; empty axes when it did not run).
 */
final class Report {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Map<String, Object> results = new LinkedHashMap<>();

    private final List<String> markdown = new ArrayList<>();

    private final List<Map<String, Object>> talkwireSteps = new ArrayList<>();

    private final List<Map<String, Object>> rabbitSteps = new ArrayList<>();

    /** A figure, or a tree of them, under a key of results.json. */
    void put(String key, Object value) {
        results.put(key, value);
    }

    /** A line (or several) of results.md. */
    void line(String text) {
        markdown.add(text);
    }

    /** The head of a table whose rows {@link #row} writes. */
    void comparisonTable() {
        line("| | Talkwire | RabbitMQ direct | ratio |\n|---|---|---|---|");
    }

    /** A row of Talkwire's figure against the baseline's, with their ratio when both are numbers. */
    void row(String label, Object talkwire, Object rabbit) {
        line("| " + label + " | " + talkwire + " | " + rabbit + " | " + ratio(talkwire, rabbit) + " |");
    }

    /** Talkwire's figure over the baseline's, as {@code 1.23x}, when both are numbers; else {@code -}. */
    static String ratio(Object talkwire, Object rabbit) {
        if (talkwire instanceof Number t && rabbit instanceof Number r && r.doubleValue() != 0) {
            return String.format("%.2fx", t.doubleValue() / r.doubleValue());
        }
        return "-";
    }

    /** The median of one figure ({@code key}, a long) over a scenario's rounds. */
    static long median(List<Map<String, Object>> rounds, String key) {
        return median(rounds.stream().mapToLong(round -> (long) round.get(key)).toArray());
    }

    /** The median of {@code values} (the mean of the middle two when their number is even), rounded. */
    static long median(long... values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : Math.round((sorted[middle - 1] + sorted[middle]) / 2.0);
    }

    /** {@code value} as a percentage of {@code baseline}, rounded; 0 when the baseline is 0. */
    static long percent(long value, long baseline) {
        return baseline == 0 ? 0 : Math.round(value * 100.0 / baseline);
    }

    /** Scenario 2's steps, for latency.png. */
    void chart(List<Map<String, Object>> talkwire, List<Map<String, Object>> rabbit) {
        talkwireSteps.addAll(talkwire);
        rabbitSteps.addAll(rabbit);
    }

    void write(Path out) throws Exception {
        Files.createDirectories(out);
        Files.writeString(out.resolve("results.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results));
        Files.writeString(out.resolve("results.md"), String.join("\n", markdown) + "\n");
        LatencyChart.write(out.resolve("latency.png"), talkwireSteps, rabbitSteps);
        System.out.println(String.join("\n", markdown));
    }
}
