package io.talkwire.bench;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.talkwire.bench.relay.BareRelay;

/**
 * Talkwire's benchmark: the same STOMP-over-WebSocket clients and scenarios against Talkwire (the packaged jar,
 * started here as child processes) and, as the baseline measured in the same run, against RabbitMQ's Web-STOMP
 * plugin used directly (no auth, no persistence). Results go to bench/results as JSON, Markdown and a PNG chart.
 *
 * <p>Run with {@code bench/run.sh} (or {@code ./mvnw -Pbench verify -Dbench.args="..."}) and {@code key=value}
 * options, listed on {@link BenchOptions}. The scenarios run in the order 1 (fan-out), 2 (ceiling), 4 (persistence),
 * 6 (inbound), 7 (notifications), 8 (room list), 5 (connect rate), 3 (connections), after a {@link WarmUp} when 1 or
 * 2 runs; 6, 7 and 8 only when {@code scenarios=} names them.
 */
public final class Benchmark {

    private Benchmark() {
    }

    public static void main(String[] args) throws Exception {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        }
        catch (IllegalArgumentException wrong) {
            System.err.println("benchmark: " + wrong.getMessage());
            System.exit(2);
            return;
        }
        TalkwireProcesses processes = new TalkwireProcesses(options);
        try {
            run(options, processes);
        }
        finally {
            processes.stopAll();
        }
        System.exit(0);
    }

    private static void run(BenchOptions options, TalkwireProcesses processes) throws Exception {
        Talkwire talkwire = processes.newUser(1);
        Target rabbit = new RabbitDirect();
        if (options.profileRate() > 0) {
            // one fan-out run at a given rate per publisher, for profiling (jfr=true records target/bench.jfr)
            System.out.println(FanOutLoad.measure(talkwire, talkwire.processes(), options.profileRate(), options.seconds()));
            return;
        }
        Report report = new Report();
        int cores = Runtime.getRuntime().availableProcessors();
        report.put("machine", Map.of("cores", cores, "started", Instant.now().toString()));
        report.line("# Talkwire benchmark\n");
        report.line("Same clients, same scenario, same run: Talkwire (relay + auth + PostgreSQL) vs RabbitMQ's Web-STOMP "
                + "used directly (no auth, no persistence). " + cores
                + " cores, everything on one machine. Ratio = Talkwire / RabbitMQ direct.\n");
        runScenarios(options, processes, talkwire, rabbit, report);
        report.write(options.out());
    }

    /** {@code talkwire} is a user on the first instance, which every scenario uses. */
    private static void runScenarios(BenchOptions options, TalkwireProcesses processes, Talkwire talkwire, Target rabbit,
            Report report) throws Exception {
        // scenario 1's instances are started before the warm-up, which then warms each of them
        Talkwire fanOutTalkwire = options.runs("fanout") ? processes.newUser(options.fanoutInstances()) : talkwire;
        int warmedSeconds = 0;
        if (options.warmupSeconds() > 0 && (options.runs("fanout") || options.runs("ceiling"))) {
            warmedSeconds = WarmUp.run(fanOutTalkwire, rabbit, talkwire.processes(), options.warmupSeconds());
        }
        report.put("warmUpSeconds", warmedSeconds);
        if (options.runs("fanout")) {
            List<FanOutScenario.Other> others = new ArrayList<>();
            if (options.bareRelay()) { // Spring's relay alone
                TalkwireProcesses.Instance relay = processes.startMain(BareRelay.class.getName(), "bare-relay");
                others.add(new FanOutScenario.Other("Spring relay alone", "springRelayAlone",
                        RabbitDirect.bareRelay(relay.port()), relay.process()));
            }
            if (options.fanoutBaselineJar().isPresent()) { // another build, on one instance of its own
                Path jar = options.fanoutBaselineJar().get();
                TalkwireProcesses.Instance baseline = processes.startJar(jar, "fanout-baseline", options.baselineJvmArgs(), List.of());
                others.add(new FanOutScenario.Other("baseline build", "baselineBuild",
                        new Talkwire(List.of(baseline.port()), List.of(baseline.process())),
                        baseline.process()));
            }
            for (FanOutScenario.Other other : others) { // warmed as long as the others
                if (warmedSeconds > 0) {
                    FanOutLoad.measure(other.target(), List.of(other.process()), WarmUp.RATE_PER_PUBLISHER, warmedSeconds);
                }
            }
            new FanOutScenario(options.rounds(), options.roundSeconds())
                .run(fanOutTalkwire, rabbit, others, warmedSeconds, report);
        }
        if (options.runs("ceiling")) {
            new CeilingScenario(options.stepSeconds()).run(talkwire, rabbit, report);
        }
        // before scenario 3, whose 20,000 closing connections keep RabbitMQ and PostgreSQL busy for a while after
        if (options.runs("persistence")) {
            new PersistenceScenario(options.seconds(), options.window(), options.jdbcUrl())
                .run(processes.newUser(1), report);
        }
        if (options.runs("inbound")) {
            new InboundScenario(options.inboundRounds(), options.inboundMessages(), options.window(), options.jdbcUrl())
                .run(processes.newUser(1), processes.started(), report);
        }
        if (options.runs("notifications")) {
            new NotificationsScenario(options.notificationRate(), options.notificationSeconds(),
                    options.notificationWarmupSeconds()).run(processes, report);
        }
        if (options.runs("roomlist")) {
            new RoomListScenario(options.roomListRooms(), options.roomListRounds(), options.roomListRequests(),
                    options.roomListBaselineJar()).run(processes, report);
        }
        if (options.runs("connects")) {
            new ConnectRateScenario(options.connectSessions(), options.connectConcurrency(), options.connectRounds(),
                    options.connectWarmupRounds())
                .run(processes, rabbit, report);
        }
        if (options.runs("connections")) {
            // more than one instance: this machine's 20,000 open files per process hold about 9,900 relayed sessions
            new ConnectionsScenario(options.sessions()).run(processes.newUser(options.instances()), rabbit, report);
        }
    }
}
