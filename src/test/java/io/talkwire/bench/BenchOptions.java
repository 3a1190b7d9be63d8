package io.talkwire.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The benchmark's options, given as {@code key=value} arguments (several may share one argument, separated by spaces,
 * as {@code -Dbench.args="..."} passes them; the last of a key wins), with their defaults, all checked before anything
 * starts: an unknown key or a value out of range stops the run with a message saying which and why.
 *
 * @param scenarios which scenarios to run, by default {@code scenarios=fanout,ceiling,connections,persistence,connects};
 *        {@code inbound}, {@code notifications} and {@code roomlist} run only when named here. They run in the order
 *        {@link Benchmark} gives them, whatever the order here
 * @param rounds scenario 1: alternating measured windows per target ({@code rounds=6})
 * @param roundSeconds scenario 1: length of each window ({@code roundSeconds=5})
 * @param fanoutInstances scenario 1: Talkwire instances its subscribers and publishers are spread over
 *        ({@code fanoutInstances=1})
 * @param bareRelay scenario 1: also measures Spring's STOMP relay alone ({@link io.talkwire.bench.relay.BareRelay}),
 *        in the same alternating rounds ({@code bareRelay=true})
 * @param fanoutBaselineJar scenario 1: also measures another build's jar (an older commit's, for an A/B) on one instance
 *        of its own, with the same options and warm-up, in the same alternating rounds
 *        ({@code fanoutBaselineJar=/tmp/talkwire-62cddf0/target/talkwire-0.1.0-SNAPSHOT.jar})
 * @param baselineJvmArgs scenario 1: JVM options of the baseline build only, after {@code jvmArgs} and the heap (an A/B
 *        of JVM settings on the same jar: {@code baselineJvmArgs=-Xms512m}); unused without {@code fanoutBaselineJar}
 * @param stepSeconds scenario 2: length of each step ({@code stepSeconds=5})
 * @param sessions scenario 3: sessions held ({@code sessions=10000})
 * @param instances scenario 3: Talkwire instances the sessions are spread over ({@code instances=2})
 * @param seconds scenario 4: length of each run, and of the profiling run ({@code seconds=15})
 * @param window scenario 4: SENDs each sender keeps awaiting their RECEIPT ({@code window=32})
 * @param connectSessions scenario 5: sessions opened per round ({@code connectSessions=2000})
 * @param connectConcurrency scenario 5: CONNECTs under way at once ({@code connectConcurrency=64})
 * @param connectRounds scenario 5: rounds per target ({@code connectRounds=3})
 * @param connectWarmupRounds scenario 5: unmeasured rounds per target before those, at most (fewer once Talkwire's JIT
 *        is done); 0 for none ({@code connectWarmupRounds=5})
 * @param inboundRounds scenario 6 ({@code inbound}): rounds per path, SEND and talkwire.inbound in turns
 *        ({@code inboundRounds=2})
 * @param inboundMessages scenario 6: messages per round, over 20 rooms ({@code inboundMessages=20000})
 * @param notificationRate scenario 7 ({@code notifications}): DIRECT-room messages per second, all senders together,
 *        and the AMQP baseline's rate ({@code notificationRate=1000})
 * @param notificationSeconds scenario 7: how long each of the two sends ({@code notificationSeconds=20})
 * @param notificationWarmupSeconds scenario 7: unmeasured sends at the same rate before Talkwire's measured ones, until
 *        its JIT has compiled the path; 0 for none ({@code notificationWarmupSeconds=60})
 * @param roomListRooms scenario 8 ({@code roomlist}): rooms the listing user is a member of ({@code roomListRooms=500})
 * @param roomListRounds scenario 8: measured rounds per instance, Talkwire and the baseline in turns
 *        ({@code roomListRounds=4})
 * @param roomListRequests scenario 8: whole-list fetches per round ({@code roomListRequests=50})
 * @param roomListBaselineJar scenario 8: the jar of an older build (3dace7e: before unread counts), started on the
 *        same database without Flyway, as the baseline; none when not given, and the scenario then reports
 *        Talkwire's figures alone ({@code roomListBaselineJar=/tmp/talkwire-3dace7e/target/talkwire-0.1.0-SNAPSHOT.jar})
 * @param warmupSeconds longest unmeasured fan-out against Talkwire before scenarios 1 and 2, until its JIT is done,
 *        then as long against the baseline; 0 for none ({@code warmupSeconds=180})
 * @param heap each instance's -Xmx ({@code heap=512m})
 * @param jvmArgs each instance's JVM options ({@code jvmArgs=-XX:+UseZGC,...})
 * @param talkwireArgs each instance's Spring options ({@code talkwireArgs=--key=value,...})
 * @param out where results.md, results.json and latency.png go ({@code out=bench/results})
 * @param profileRate when above 0, one fan-out run only at this rate per publisher, for profiling
 *        ({@code profileRate=200})
 * @param jfr the first instance records target/bench.jfr with JFR ({@code jfr=true})
 * @param port the first instance's port; 0 for a free one ({@code port=8080})
 * @param jdbcUrl scenarios 4 and 6: Talkwire's PostgreSQL, for the JDBC baseline, the stored-messages check and the
 *        count of committed inbound messages
 *        ({@code jdbcUrl=jdbc:postgresql://localhost:5432/talkwire})
 */
record BenchOptions(List<String> scenarios, int rounds, int roundSeconds, int fanoutInstances, boolean bareRelay,
        Optional<Path> fanoutBaselineJar, List<String> baselineJvmArgs,
        int stepSeconds, int sessions, int instances, int seconds, int window, int connectSessions, int connectConcurrency,
        int connectRounds, int connectWarmupRounds, int inboundRounds, int inboundMessages, int notificationRate, int notificationSeconds,
        int notificationWarmupSeconds,
        int roomListRooms, int roomListRounds, int roomListRequests, Optional<Path> roomListBaselineJar,
        int warmupSeconds, String heap, List<String> jvmArgs, List<String> talkwireArgs, Path out, int profileRate,
        boolean jfr, int port, String jdbcUrl) {

    /** The default selection. */
    static final List<String> SCENARIOS = List.of("fanout", "ceiling", "connections", "persistence", "connects");

    /** Scenarios that run only when {@code scenarios=} names them. */
    static final List<String> OPTIONAL_SCENARIOS = List.of("inbound", "notifications", "roomlist");

    /** The options of {@code args}; an IllegalArgumentException names one that is unknown or wrong, and why. */
    static BenchOptions parse(String... args) {
        Arguments given = new Arguments(args);
        BenchOptions options = new BenchOptions(
                given.scenarios(),
                given.number("rounds", 6, 1),
                given.number("roundSeconds", 5, 1),
                given.number("fanoutInstances", 1, 1),
                given.flag("bareRelay"),
                given.jar("fanoutBaselineJar"),
                given.list("baselineJvmArgs"),
                given.number("stepSeconds", 5, 1),
                given.number("sessions", 10_000, 1),
                given.number("instances", 2, 1),
                given.number("seconds", 15, 1),
                given.number("window", 32, 1),
                given.number("connectSessions", 2000, 1),
                given.number("connectConcurrency", 64, 1),
                given.number("connectRounds", 3, 1),
                given.number("connectWarmupRounds", 5, 0),
                given.number("inboundRounds", 2, 1),
                given.number("inboundMessages", 20_000, 1),
                given.number("notificationRate", 1000, 1, 1_000_000),
                given.number("notificationSeconds", 20, 1),
                given.number("notificationWarmupSeconds", 60, 0),
                given.number("roomListRooms", 500, 1),
                given.number("roomListRounds", 4, 1),
                given.number("roomListRequests", 50, 1),
                given.jar("roomListBaselineJar"),
                given.number("warmupSeconds", 180, 0),
                given.heap(),
                given.list("jvmArgs"),
                given.list("talkwireArgs"),
                Path.of(given.text("out", "bench/results")),
                given.number("profileRate", 0, 1),
                given.flag("jfr"),
                given.number("port", 0, 1, 65_535),
                given.text("jdbcUrl", "jdbc:postgresql://localhost:5432/talkwire"));
        given.rejectUnknown();
        return options;
    }

    boolean runs(String scenario) {
        return scenarios.contains(scenario);
    }

    /** The arguments as given, and which of them have been read: those never read are unknown. */
    private static final class Arguments {

        private final Map<String, String> values = new LinkedHashMap<>();

        private final Set<String> known = new HashSet<>();

        Arguments(String... args) {
            for (String arg : args) {
                for (String option : arg.trim().split("\\s+")) {
                    // an empty argument: what -Dbench.args= passes when no option is given
                    if (option.isEmpty()) {
                        continue;
                    }
                    int equals = option.indexOf('=');
                    if (equals <= 0) {
                        throw new IllegalArgumentException("'" + option + "': options are key=value, such as rounds=8");
                    }
                    values.put(option.substring(0, equals), option.substring(equals + 1));
                }
            }
        }

        String text(String name, String fallback) {
            known.add(name);
            return values.getOrDefault(name, fallback);
        }

        /** A value given must be from {@code min} up; {@code fallback} when none is given. */
        int number(String name, int fallback, int min) {
            return number(name, fallback, min, Integer.MAX_VALUE);
        }

        int number(String name, int fallback, int min, int max) {
            String value = text(name, null);
            if (value == null) {
                return fallback;
            }
            int number;
            try {
                number = Integer.parseInt(value);
            }
            catch (NumberFormatException ex) {
                throw new IllegalArgumentException(name + "=" + value + ": not a whole number");
            }
            if (number < min || number > max) {
                throw new IllegalArgumentException(name + "=" + value + ": must be at least " + min
                        + (max == Integer.MAX_VALUE ? "" : " and at most " + max));
            }
            return number;
        }

        boolean flag(String name) {
            String value = text(name, "false");
            if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
                throw new IllegalArgumentException(name + "=" + value + ": true or false");
            }
            return Boolean.parseBoolean(value);
        }

        /** Comma-separated; none when not given or empty. */
        List<String> list(String name) {
            String value = text(name, "");
            return value.isEmpty() ? List.of() : List.of(value.split(","));
        }

        /** An existing file; none when not given or empty. */
        Optional<Path> jar(String name) {
            String value = text(name, "");
            if (value.isEmpty()) {
                return Optional.empty();
            }
            Path jar = Path.of(value);
            if (!Files.isRegularFile(jar)) {
                throw new IllegalArgumentException(name + "=" + value + ": no such file (a jar built with ./mvnw package)");
            }
            return Optional.of(jar);
        }

        String heap() {
            String heap = text("heap", "512m");
            if (!heap.matches("\\d+[kKmMgG]?")) {
                throw new IllegalArgumentException("heap=" + heap + ": a JVM heap size, such as 512m or 2g");
            }
            return heap;
        }

        List<String> scenarios() {
            List<String> scenarios = List.of(text("scenarios", String.join(",", SCENARIOS)).split(","));
            for (String scenario : scenarios) {
                if (!SCENARIOS.contains(scenario) && !OPTIONAL_SCENARIOS.contains(scenario)) {
                    throw new IllegalArgumentException("scenarios=" + String.join(",", scenarios) + ": no scenario '"
                            + scenario + "'; the scenarios are " + String.join(", ", SCENARIOS) + " (the default) and "
                            + String.join(", ", OPTIONAL_SCENARIOS));
                }
            }
            return scenarios;
        }

        void rejectUnknown() {
            Set<String> unknown = new TreeSet<>(values.keySet());
            unknown.removeAll(known);
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("unknown option" + (unknown.size() == 1 ? " " : "s ")
                        + String.join(", ", unknown) + "; the options are " + String.join(", ", new TreeSet<>(known)));
            }
        }
    }
}
