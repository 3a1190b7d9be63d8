package io.talkwire.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.management.OperatingSystemMXBean;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Talkwire's benchmark: the same STOMP-over-WebSocket clients and scenarios against Talkwire (the packaged jar,
 * started here as a child process) and, as the baseline measured in the same run, against RabbitMQ's Web-STOMP
 * plugin used directly (no auth, no persistence). Results go to bench/results as JSON, Markdown and a PNG chart.
 *
 * <p>Run with {@code bench/run.sh} (or {@code ./mvnw -Pbench verify -Dbench.args="..."}); options as
 * {@code key=value} arguments: {@code rounds=6 roundSeconds=5} (scenario 1: alternating measured windows per
 * target), {@code seconds=15} (scenario 4's runs), {@code stepSeconds=5} (per ceiling step),
 * {@code sessions=10000 instances=2} (scenario 3, sessions spread over the instances), {@code heap=512m} (each
 * instance's -Xmx), {@code scenarios=fanout,ceiling,connections,persistence} (which to run),
 * {@code jvmArgs=-XX:+UseZGC,...} and {@code talkwireArgs=--key=value,...} (each instance's JVM and Spring options),
 * {@code warmupSeconds=180} (an unmeasured fan-out against Talkwire until its JIT is done, for at most this long,
 * then as long against the baseline), {@code window=32} (scenario 4: SENDs each sender keeps awaiting their RECEIPT),
 * {@code out=bench/results}, {@code profileRate=200 jfr=true} (one fan-out run only, recorded with JFR).
 */
public final class Benchmark {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static final int WARM_UP_RUN_SECONDS = 10;

    private static final Pattern JIT_TICKS =
            Pattern.compile("java\\.ci\\.totalTime=(\\d+)");

    private static final Pattern TICKS_PER_SECOND =
            Pattern.compile("sun\\.os\\.hrt\\.frequency=(\\d+)");

    private final Map<String, String> options;

    private final Map<String, Object> results = new LinkedHashMap<>();

    private final List<String> markdown = new ArrayList<>();

    /** The first instance: every scenario uses it. */
    private Process talkwire;

    private int port;

    /** Every instance started, the first included (scenario 3 may spread its sessions over several). */
    private final List<Process> instances = new ArrayList<>();

    private final List<Integer> ports = new ArrayList<>();

    private Benchmark(Map<String, String> options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (String arg : args) {
            for (String option : arg.trim().split("\\s+")) {
                if (option.contains("=")) {
                    options.put(option.substring(0, option.indexOf('=')), option.substring(option.indexOf('=') + 1));
                }
            }
        }
        Benchmark benchmark = new Benchmark(options);
        try {
            benchmark.run();
        }
        finally {
            benchmark.stopTalkwire();
        }
        System.exit(0);
    }

    private void run() throws Exception {
        int seconds = intOption("seconds", 15);
        startTalkwire();
        Target talkwire = new Talkwire(port);
        Target rabbit = new RabbitDirect();
        if (options.containsKey("profileRate")) {
            // one fan-out run at a given rate per publisher, for profiling (jfr=true records target/bench.jfr)
            System.out.println(measureFanOut(talkwire, 1, 20, 2, intOption("profileRate", 200), seconds));
            return;
        }
        results.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(), "started", Instant.now().toString()));
        markdown.add("# Talkwire benchmark\n");
        markdown.add("Same clients, same scenario, same run: Talkwire (relay + auth + PostgreSQL) vs RabbitMQ's Web-STOMP "
                + "used directly (no auth, no persistence). " + Runtime.getRuntime().availableProcessors()
                + " cores, everything on one machine. Ratio = Talkwire / RabbitMQ direct.\n");

        List<String> scenarios = List.of(options.getOrDefault("scenarios", "fanout,ceiling,connections,persistence").split(","));
        List<Map<String, Object>> talkwireSteps = List.of();
        List<Map<String, Object>> rabbitSteps = List.of();
        int warmup = intOption("warmupSeconds", 180);
        int warmedSeconds = 0;
        if (warmup > 0 && (scenarios.contains("fanout") || scenarios.contains("ceiling"))) {
            // measured warm, as a server runs: the JIT has compiled the hot paths of both before anything counts
            warmedSeconds = warmUp(talkwire, warmup);
            measureFanOut(rabbit, 1, 20, 2, 200, warmedSeconds);
        }
        results.put("warmUpSeconds", warmedSeconds);
        if (scenarios.contains("fanout")) {
            fanOut(talkwire, rabbit);
        }
        if (scenarios.contains("ceiling")) {
            talkwireSteps = ceiling(talkwire);
            rabbitSteps = ceiling(rabbit);
            ceilingReport(talkwireSteps, rabbitSteps);
        }
        // before scenario 3, whose 20,000 closing connections keep RabbitMQ and PostgreSQL busy for a while after
        if (scenarios.contains("persistence")) {
            persistence(seconds);
        }
        if (scenarios.contains("connections")) {
            // more than one instance: this machine's 20,000 open files per process hold about 9,900 relayed sessions
            while (instances.size() < intOption("instances", 2)) {
                startInstance(freePort());
            }
            connections(new Talkwire(ports), rabbit, intOption("sessions", 10_000));
        }

        Path out = Path.of(options.getOrDefault("out", "bench/results"));
        Files.createDirectories(out);
        Files.writeString(out.resolve("results.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results));
        Files.writeString(out.resolve("results.md"), String.join("\n", markdown) + "\n");
        LatencyChart.write(out.resolve("latency.png"), talkwireSteps, rabbitSteps);
        System.out.println(String.join("\n", markdown));
    }

    /**
     * Fan-out at 8,000 deliveries/s in runs of {@link #WARM_UP_RUN_SECONDS} until Talkwire's JIT compilers are done
     * (under 1% of a run spent compiling), at most {@code maxSeconds}: a server that has run for a while has compiled
     * its hot paths, and compiler threads busy on this machine's 2 cores would add their own latency to what is measured.
     * Spring's many code paths take one to two minutes of load to compile, far longer than a fixed 10 s warm-up.
     *
     * @return the seconds of load it took, for a warm-up of the same length for the baseline
     */
    private int warmUp(Target target, int maxSeconds) throws Exception {
        int seconds = 0;
        while (seconds < maxSeconds) {
            long jitBefore = jitMillis(talkwire);
            measureFanOut(target, 1, 20, 2, 200, WARM_UP_RUN_SECONDS);
            seconds += WARM_UP_RUN_SECONDS;
            long jit = jitMillis(talkwire) - jitBefore;
            System.out.println("warm-up: " + seconds + " s of load, JIT compiling " + jit + " ms in the last run");
            if (jit * 100 < WARM_UP_RUN_SECONDS * 1000L) {
                break;
            }
        }
        return seconds;
    }

    /** Time the JVM's JIT compilers have spent compiling, from its performance counters. */
    static long jitMillis(Process jvm) throws Exception {
        String counters = jcmd(jvm.pid(), "PerfCounter.print");
        Matcher ticks = JIT_TICKS.matcher(counters);
        Matcher frequency = TICKS_PER_SECOND.matcher(counters);
        if (!ticks.find() || !frequency.find()) {
            throw new IllegalStateException("no JIT counters from jcmd: " + counters);
        }
        return Long.parseLong(ticks.group(1)) * 1000 / Long.parseLong(frequency.group(1));
    }

    /** What the JDK's jcmd prints for a diagnostic command to a JVM. */
    static String jcmd(long pid, String command) throws Exception {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(pid), command).redirectErrorStream(true).start();
        String out = new String(jcmd.getInputStream().readAllBytes());
        jcmd.waitFor();
        return out;
    }

    // ------------------------------------------------------------------ scenario 1: fan-out latency

    /**
     * Both targets connected at once and measured in turns ({@code rounds} windows of {@code roundSeconds} each), so
     * that the machine's drift from one minute to the next falls on both alike.
     */
    private void fanOut(Target talkwire, Target rabbit) throws Exception {
        int rounds = intOption("rounds", 6);
        int roundSeconds = intOption("roundSeconds", 5);
        List<FanOutLoad.Window> talkwireWindows = new ArrayList<>();
        List<FanOutLoad.Window> rabbitWindows = new ArrayList<>();
        List<String> roundRatios = new ArrayList<>();
        Map<String, Object> t;
        Map<String, Object> r;
        long jitDuringRounds;
        try (FanOutLoad talkwireLoad = new FanOutLoad(talkwire, new CpuMeter(this.talkwire), 1, 20, 2);
                FanOutLoad rabbitLoad = new FanOutLoad(rabbit, new CpuMeter(this.talkwire), 1, 20, 2)) {
            long jitBefore = jitMillis(this.talkwire);
            for (int round = 0; round < rounds; round++) {
                FanOutLoad.Window tw = talkwireLoad.run(50, 1, roundSeconds);
                FanOutLoad.Window rw = rabbitLoad.run(50, 1, roundSeconds);
                talkwireWindows.add(tw);
                rabbitWindows.add(rw);
                double ratio = tw.p99Ms() / rw.p99Ms();
                roundRatios.add(String.format("%.2fx", ratio));
                System.out.println("fan-out round " + (round + 1) + ": p99 ratio " + roundRatios.getLast());
            }
            jitDuringRounds = jitMillis(this.talkwire) - jitBefore;
            t = talkwireLoad.summary(talkwireWindows);
            r = rabbitLoad.summary(rabbitWindows);
        }
        results.put("fanOut", Map.of("talkwire", t, "rabbitDirect", r, "rounds", rounds, "roundSeconds", roundSeconds,
                "p99RatioByRound", roundRatios, "talkwireJitMillisDuringRounds", jitDuringRounds));
        markdown.add("## 1. Fan-out latency (1 room, 20 subscribers, 2 publishers at 50 msg/s each: 2,000 deliveries/s)\n");
        markdown.add("Measured in " + rounds + " alternating rounds of " + roundSeconds + " s per target (Talkwire, then "
                + "RabbitMQ direct, and again), both connected throughout; percentiles over all rounds.\n");
        markdown.add("| | Talkwire | RabbitMQ direct | ratio |\n|---|---|---|---|");
        for (String key : List.of("p50Ms", "p95Ms", "p99Ms", "maxMs")) {
            markdown.add(row(key.replace("Ms", " (ms)"), t.get(key), r.get(key)));
        }
        markdown.add(row("delivered / expected", t.get("delivered") + " / " + t.get("expected"),
                r.get("delivered") + " / " + r.get("expected")));
        markdown.add(row("lost", t.get("lost"), r.get("lost")));
        markdown.add(row("duplicated", t.get("duplicated"), r.get("duplicated")));
        markdown.add(row("Talkwire CPU (cores)", t.get("serverCpuCores"), "-"));
        markdown.add(row("load generator CPU (cores)", t.get("generatorCpuCores"), r.get("generatorCpuCores")));
        markdown.add("\np99 ratio round by round: " + String.join(", ", roundRatios) + ". After a warm-up of "
                + results.get("warmUpSeconds") + " s per target; Talkwire's JIT compiled for " + jitDuringRounds
                + " ms during the rounds.\n");
    }

    /** R rooms x S subscribers x P publishers at a fixed rate; latency from send to each subscriber's receipt. */
    private Map<String, Object> measureFanOut(Target target, int rooms, int subscribers, int publishers, int ratePerPublisher,
            int seconds) throws Exception {
        try (FanOutLoad load = new FanOutLoad(target, new CpuMeter(talkwire), rooms, subscribers, publishers)) {
            return load.summary(List.of(load.run(ratePerPublisher, Math.max(2, seconds / 5), seconds)));
        }
    }

    // ------------------------------------------------------------------ scenario 2: ceiling

    private List<Map<String, Object>> ceiling(Target target) throws Exception {
        List<Map<String, Object>> steps = new ArrayList<>();
        int stepSeconds = intOption("stepSeconds", 5);
        for (int rate : new int[] { 50, 100, 150, 200, 300, 400, 600, 800, 1200, 1600, 2400, 3200 }) {
            Map<String, Object> step = measureFanOut(target, 1, 20, 2, rate, stepSeconds);
            step.put("offeredDeliveriesPerSecond", 2 * 20 * rate);
            steps.add(step);
            System.out.println(target.name() + " ceiling step " + step);
            if (((Number) step.get("lost")).longValue() > 0 || ((Number) step.get("p99Ms")).doubleValue() > 250) {
                break;
            }
        }
        return steps;
    }

    private void ceilingReport(List<Map<String, Object>> talkwire, List<Map<String, Object>> rabbit) {
        long t = sustained(talkwire);
        long r = sustained(rabbit);
        results.put("ceiling", Map.of("talkwire", Map.of("steps", talkwire, "sustainedDeliveriesPerSecond", t),
                "rabbitDirect", Map.of("steps", rabbit, "sustainedDeliveriesPerSecond", r)));
        markdown.add("## 2. Ceiling (offered rate stepped up until loss or p99 > 250 ms)\n");
        markdown.add("| | Talkwire | RabbitMQ direct | ratio |\n|---|---|---|---|");
        markdown.add(row("highest sustained deliveries/s", t, r));
        markdown.add("\n| offered deliveries/s | Talkwire p50 / p99 (ms), lost | RabbitMQ direct p50 / p99 (ms), lost |\n|---|---|---|");
        for (int i = 0; i < Math.max(talkwire.size(), rabbit.size()); i++) {
            Map<String, Object> ts = i < talkwire.size() ? talkwire.get(i) : null;
            Map<String, Object> rs = i < rabbit.size() ? rabbit.get(i) : null;
            Object offered = (ts != null ? ts : rs).get("offeredDeliveriesPerSecond");
            markdown.add("| " + offered + " | " + stepCell(ts) + " | " + stepCell(rs) + " |");
        }
        markdown.add("\n![latency against offered load](latency.png)\n");
    }

    private static String stepCell(Map<String, Object> step) {
        return step == null ? "-" : step.get("p50Ms") + " / " + step.get("p99Ms") + ", " + step.get("lost");
    }

    private static long sustained(List<Map<String, Object>> steps) {
        long best = 0;
        for (Map<String, Object> step : steps) {
            if (((Number) step.get("lost")).longValue() == 0 && ((Number) step.get("p99Ms")).doubleValue() <= 250) {
                best = Math.max(best, ((Number) step.get("deliveriesPerSecond")).longValue());
            }
        }
        return best;
    }

    // ------------------------------------------------------------------ scenario 3: connections

    private void connections(Target talkwire, Target rabbit, int sessions) throws Exception {
        Map<String, Object> t = measureConnections(talkwire, sessions);
        Map<String, Object> r = measureConnections(rabbit, sessions);
        results.put("connections", Map.of("talkwire", t, "rabbitDirect", r));
        markdown.add("## 3. Connections (" + sessions + " authenticated, subscribed sessions, then one broadcast)\n");
        markdown.add("| | Talkwire | RabbitMQ direct | ratio |\n|---|---|---|---|");
        for (String key : List.of("sessionsHeld", "connectsPerSecond", "broadcastReachedAll", "broadcastMs",
                "rabbitConnections", "rabbitMemoryMb")) {
            markdown.add(row(key, t.get(key), r.get(key)));
        }
        markdown.add(row("Talkwire instances (sessions spread over them)", t.get("talkwireInstances"), "-"));
        markdown.add(row("Talkwire heap used (MB, all instances)", t.get("talkwireHeapMb"), "-"));
        markdown.add(row("Talkwire RSS (MB, all instances)", t.get("talkwireRssMb"), "-"));
        markdown.add(row("Talkwire RSS per session (KB)", t.get("talkwireRssPerSessionKb"), "-"));
        markdown.add(row("Talkwire: all sessions closed until the room shows nobody online (ms)", t.get("talkwireEmptiedRoomMs"), "-"));
        markdown.add(row("Talkwire: REST polls from the first close until then answered 503 (database pool busy with LEAVEs)",
                t.get("talkwireUnavailablePollsWhileEmptying"), "-"));
        markdown.add(row("Talkwire: slowest of those REST polls (ms)", t.get("talkwireSlowestPollWhileEmptyingMs"), "-"));
        markdown.add("");
    }

    private Map<String, Object> measureConnections(Target target, int sessions) throws Exception {
        String room = target.newRoom();
        AtomicInteger reached = new AtomicInteger();
        String marker = "broadcast-" + UUID.randomUUID();
        List<BenchStomp> clients = new ArrayList<>();
        long start = System.nanoTime();
        String failure = null;
        ExecutorService connectors = Executors.newFixedThreadPool(16);
        List<CompletableFuture<BenchStomp>> pending = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            pending.add(CompletableFuture.supplyAsync(() -> {
                BenchStomp client = target.connect(body -> {
                    if (body.contains(marker)) {
                        reached.incrementAndGet();
                    }
                });
                client.subscribe("s", target.topic(room)).join();
                return client;
            }, connectors));
        }
        for (CompletableFuture<BenchStomp> client : pending) {
            try {
                clients.add(client.get(120, TimeUnit.SECONDS));
            }
            catch (Exception ex) {
                failure = String.valueOf(ex.getCause() == null ? ex : ex.getCause());
            }
        }
        connectors.shutdown();
        double connectSeconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("sessionsRequested", sessions);
        result.put("sessionsHeld", clients.size());
        result.put("connectsPerSecond", Math.round(clients.size() / connectSeconds));
        if (failure != null) {
            result.put("firstFailure", failure);
        }
        if (target instanceof Talkwire) {
            long heapMb = 0;
            long rssMb = 0;
            for (Process instance : instances) {
                ProcessMemory memory = ProcessMemory.of(instance.pid());
                heapMb += memory.heapMb();
                rssMb += memory.rssMb();
            }
            result.put("talkwireInstances", instances.size());
            result.put("talkwireHeapMb", heapMb);
            result.put("talkwireRssMb", rssMb);
            result.put("talkwireRssPerSessionKb", clients.isEmpty() ? 0 : rssMb * 1024 / clients.size());
        }
        JsonNode overview = rabbitApi("/api/overview");
        JsonNode node = rabbitApi("/api/nodes").get(0);
        result.put("rabbitConnections", overview.path("object_totals").path("connections").asLong());
        result.put("rabbitMemoryMb", node.path("mem_used").asLong() / (1024 * 1024));
        long broadcastStart = System.nanoTime();
        target.broadcast(room, "{\"content\":\"" + marker + "\"}");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (reached.get() < clients.size() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        result.put("broadcastReachedAll", reached.get() == clients.size());
        result.put("broadcastReached", reached.get());
        result.put("broadcastMs", Math.round((System.nanoTime() - broadcastStart) / 1e6));
        // Talkwire's REST is polled from the first close on; the next scenario starts once the room is empty
        FutureTask<Map<String, Long>> emptied =
                target instanceof Talkwire t ? new FutureTask<>(() -> t.awaitNobodyOnline(room)) : null;
        if (emptied != null) {
            Thread.ofVirtual().start(emptied);
        }
        ExecutorService closers = Executors.newFixedThreadPool(16);
        clients.forEach(client -> closers.submit(client::close));
        closers.shutdown();
        closers.awaitTermination(2, TimeUnit.MINUTES);
        long closed = System.nanoTime();
        if (emptied != null) {
            Map<String, Long> polls = emptied.get();
            result.put("talkwireEmptiedRoomMs", Math.max(0, Math.round((polls.get("emptiedAt") - closed) / 1e6)));
            result.put("talkwireUnavailablePollsWhileEmptying", polls.get("unavailablePolls"));
            result.put("talkwireSlowestPollWhileEmptyingMs", polls.get("slowestPollMs"));
        }
        return result;
    }

    // ------------------------------------------------------------------ scenario 4: persistence

    private void persistence(int seconds) throws Exception {
        Talkwire target = new Talkwire(port);
        Map<String, Object> oneRoom = measureReceipts(target, 1, 20, seconds);
        Map<String, Object> manyRooms = measureReceipts(target, 20, 20, seconds);
        Map<String, Object> jdbcOne = measureJdbcInserts(target, 1, 20, seconds);
        Map<String, Object> jdbcMany = measureJdbcInserts(target, 20, 20, seconds);
        results.put("persistence", Map.of("talkwireOneRoom", oneRoom, "talkwireManyRooms", manyRooms,
                "jdbcOneRoom", jdbcOne, "jdbcManyRooms", jdbcMany));
        markdown.add("## 4. Persistence (20 senders, each with up to " + oneRoom.get("window")
                + " SENDs awaiting their RECEIPT, i.e. the commit; 20 JDBC threads)\n");
        markdown.add("| | Talkwire receipted msg/s | plain JDBC insert loop rows/s | ratio |\n|---|---|---|---|");
        markdown.add(row("one room", oneRoom.get("perSecond"), jdbcOne.get("perSecond")));
        markdown.add(row("20 rooms", manyRooms.get("perSecond"), jdbcMany.get("perSecond")));
        markdown.add("\nReceipted but not found in PostgreSQL afterwards: " + oneRoom.get("receiptedButNotStored") + " (one room), "
                + manyRooms.get("receiptedButNotStored") + " (20 rooms).");
        markdown.add("");
    }

    /**
     * Each sender keeps up to {@code window} SENDs awaiting their RECEIPT (as a client that pipelines does), so the
     * figure is the highest receipted rate rather than 20 round trips at a time. Afterwards every receipted
     * clientMessageId must be found in PostgreSQL: a RECEIPT means committed.
     */
    private Map<String, Object> measureReceipts(Talkwire target, int rooms, int senders, int seconds) throws Exception {
        int window = intOption("window", 32);
        List<String> roomIds = new ArrayList<>();
        for (int r = 0; r < rooms; r++) {
            roomIds.add(target.newRoom());
        }
        Set<String> receipted = ConcurrentHashMap.newKeySet();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService pool = Executors.newFixedThreadPool(senders);
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            String room = roomIds.get(s % rooms);
            BenchStomp client = target.connect(body -> { });
            int sender = s;
            done.add(CompletableFuture.runAsync(() -> {
                Semaphore inFlight = new Semaphore(window);
                int n = 0;
                while (System.nanoTime() < end) {
                    String id = sender + "-" + n++;
                    inFlight.acquireUninterruptibly();
                    client.sendWithReceipt(target.sendDestination(room),
                            "{\"content\":\"persist " + id + "\",\"clientMessageId\":\"" + id + "\"}", id)
                        .whenComplete((ok, failed) -> {
                            if (failed == null && System.nanoTime() < end) {
                                receipted.add(id);
                            }
                            inFlight.release();
                        });
                }
                inFlight.acquireUninterruptibly(window); // the last receipts, not counted
                client.close();
            }, pool));
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(seconds + 60L, TimeUnit.SECONDS);
        pool.shutdown();
        long stored = storedAmong(roomIds, receipted);
        return Map.of("receipted", receipted.size(), "perSecond", Math.round(receipted.size() / (double) seconds),
                "window", window, "receiptedButNotStored", receipted.size() - stored);
    }

    private long storedAmong(List<String> roomIds, Set<String> clientMessageIds) throws Exception {
        Set<String> stored = new HashSet<>();
        try (Connection db = DriverManager.getConnection(jdbcUrl(), "talkwire", "talkwire");
                PreparedStatement select = db.prepareStatement(
                        "SELECT client_message_id FROM messages WHERE room_id = ANY (?)")) {
            select.setArray(1, db.createArrayOf("bigint", roomIds.stream().map(Long::valueOf).toArray()));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    stored.add(rows.getString(1));
                }
            }
        }
        return clientMessageIds.stream().filter(stored::contains).count();
    }

    private String jdbcUrl() {
        return options.getOrDefault("jdbcUrl", "jdbc:postgresql://localhost:5432/talkwire");
    }

    /** The baseline: the same table, plain autocommitted INSERTs from as many threads, no Talkwire in between. */
    private Map<String, Object> measureJdbcInserts(Talkwire target, int rooms, int threads, int seconds) throws Exception {
        List<Long> roomIds = new ArrayList<>();
        for (int r = 0; r < rooms; r++) {
            roomIds.add(Long.parseLong(target.newRoom()));
        }
        String url = jdbcUrl();
        AtomicLong inserted = new AtomicLong();
        AtomicLong seq = new AtomicLong(1_000_000);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long room = roomIds.get(t % rooms);
            done.add(CompletableFuture.runAsync(() -> {
                try (Connection db = DriverManager.getConnection(url, "talkwire", "talkwire");
                        PreparedStatement insert = db.prepareStatement("INSERT INTO messages (id, room_id, seq, sender, "
                                + "content, client_message_id, sent_at) VALUES (?, ?, ?, ?, ?, ?, now())")) {
                    while (System.nanoTime() < end) {
                        insert.setObject(1, UUID.randomUUID());
                        insert.setLong(2, room);
                        insert.setLong(3, seq.incrementAndGet());
                        insert.setString(4, target.username);
                        insert.setString(5, "jdbc baseline");
                        insert.setString(6, UUID.randomUUID().toString());
                        insert.executeUpdate();
                        inserted.incrementAndGet();
                    }
                }
                catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
            }, pool));
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(seconds + 60L, TimeUnit.SECONDS);
        pool.shutdown();
        return Map.of("inserted", inserted.get(), "perSecond", Math.round(inserted.get() / (double) seconds));
    }

    // ------------------------------------------------------------------ targets

    interface Target {

        String name();

        BenchStomp connect(Consumer<String> onMessage);

        String newRoom();

        String topic(String room);

        void publish(BenchStomp client, String room, String body);

        void broadcast(String room, String body);
    }

    /** Talkwire: signup/login with JWTs, SEND to /app (committed, then relayed), REST for the broadcast. */
    final class Talkwire implements Target {

        final String username = "bench_" + UUID.randomUUID().toString().substring(0, 8);

        private final String base;

        private final String token;

        /** WebSocket endpoints of the instances, taken in turn by {@link #connect}. */
        private final List<String> endpoints;

        private final AtomicInteger next = new AtomicInteger();

        Talkwire(int port) throws Exception {
            this(List.of(port));
        }

        Talkwire(List<Integer> ports) throws Exception {
            this.base = "http://localhost:" + ports.getFirst();
            this.endpoints = ports.stream().map(p -> "ws://localhost:" + p + "/ws").toList();
            http("POST", "/api/auth/signup", null, "{\"username\":\"" + username + "\",\"password\":\"bench-password\"}");
            this.token = http("POST", "/api/auth/login", null, "{\"username\":\"" + username + "\",\"password\":\"bench-password\"}")
                .get("accessToken").asString();
        }

        @Override
        public String name() {
            return "Talkwire";
        }

        @Override
        public BenchStomp connect(Consumer<String> onMessage) {
            String endpoint = endpoints.get(Math.floorMod(next.getAndIncrement(), endpoints.size()));
            return BenchStomp.connect(endpoint, Map.of("Authorization", "Bearer " + token), onMessage);
        }

        @Override
        public String newRoom() {
            try {
                return http("POST", "/api/rooms", token, "{\"name\":\"bench\",\"kind\":\"PUBLIC\"}").get("id").asString();
            }
            catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
        }

        @Override
        public String topic(String room) {
            return "/topic/rooms." + room;
        }

        String sendDestination(String room) {
            return "/app/rooms." + room + ".send";
        }

        @Override
        public void publish(BenchStomp client, String room, String body) {
            client.send(sendDestination(room), body);
        }

        @Override
        public void broadcast(String room, String body) {
            try {
                http("POST", "/api/rooms/" + room + "/messages", token, body);
            }
            catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
        }

        /**
         * When (nanoTime) the room's onlineCount is 0, how many polls until then were answered 503, and how long the
         * slowest of them took (a REST request waiting for the database while the LEAVEs are written).
         */
        Map<String, Long> awaitNobodyOnline(String room) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            long unavailable = 0;
            long slowestPoll = 0;
            while (System.nanoTime() < deadline) {
                long poll = System.nanoTime();
                try {
                    if (http("GET", "/api/rooms/" + room, token, "").get("onlineCount").asLong() == 0) {
                        break;
                    }
                }
                catch (IllegalStateException busy) {
                    if (!busy.getMessage().contains(": 503 ")) {
                        throw busy;
                    }
                    unavailable++;
                }
                finally {
                    slowestPoll = Math.max(slowestPoll, System.nanoTime() - poll);
                }
                Thread.sleep(200);
            }
            return Map.of("emptiedAt", System.nanoTime(), "unavailablePolls", unavailable,
                    "slowestPollMs", Math.round(slowestPoll / 1e6));
        }

        private JsonNode http(String method, String path, String bearer, String body) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body));
            if (bearer != null) {
                request.header("Authorization", "Bearer " + bearer);
            }
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                throw new IllegalStateException(method + " " + path + ": " + response.statusCode() + " " + response.body());
            }
            return JSON.readTree(response.body());
        }
    }

    /** RabbitMQ's Web-STOMP plugin used directly: the same frames to /topic/..., no auth beyond guest, nothing stored. */
    static final class RabbitDirect implements Target {

        @Override
        public String name() {
            return "RabbitMQ direct";
        }

        @Override
        public BenchStomp connect(Consumer<String> onMessage) {
            return BenchStomp.connect("ws://localhost:15674/ws", Map.of("login", "guest", "passcode", "guest", "host", "/"), onMessage);
        }

        @Override
        public String newRoom() {
            return "bench-" + UUID.randomUUID().toString().substring(0, 8);
        }

        @Override
        public String topic(String room) {
            return "/topic/" + room;
        }

        @Override
        public void publish(BenchStomp client, String room, String body) {
            client.send(topic(room), body);
        }

        @Override
        public void broadcast(String room, String body) {
            BenchStomp client = connect(b -> { });
            client.sendWithReceipt(topic(room), body, "broadcast").join();
            client.close();
        }
    }

    /** What each benchmark message carries: who sent it, its number, and when (this JVM's nanoTime). */
    record Probe(int publisher, int n, long sentNanos) {

        String body() {
            return "{\"content\":\"probe:" + publisher + ":" + n + ":" + sentNanos + "\"}";
        }

        static Probe parse(String body) {
            int at = body.indexOf("probe:");
            if (at < 0) {
                return null;
            }
            int end = body.indexOf('"', at);
            String[] parts = body.substring(at + 6, end).split(":");
            return new Probe(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Long.parseLong(parts[2]));
        }
    }

    // ------------------------------------------------------------------ measuring

    /** Latencies in microseconds, summarized as percentiles in milliseconds. */
    static final class LatencyLog {

        private final long[] micros;

        private final AtomicInteger size = new AtomicInteger();

        LatencyLog(int capacity) {
            this.micros = new long[capacity];
        }

        void add(long nanos) {
            int i = size.getAndIncrement();
            if (i < micros.length) {
                micros[i] = nanos / 1000;
            }
        }

        static LatencyLog merge(List<LatencyLog> logs) {
            LatencyLog all = new LatencyLog(logs.stream().mapToInt(LatencyLog::count).sum());
            for (LatencyLog log : logs) {
                System.arraycopy(log.micros, 0, all.micros, all.size.getAndAdd(log.count()), log.count());
            }
            return all;
        }

        private int count() {
            return Math.min(size.get(), micros.length);
        }

        Map<String, Object> summary() {
            long[] sorted = Arrays.copyOf(micros, count());
            Arrays.sort(sorted);
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("p50Ms", percentile(sorted, 0.50));
            summary.put("p95Ms", percentile(sorted, 0.95));
            summary.put("p99Ms", percentile(sorted, 0.99));
            summary.put("maxMs", sorted.length == 0 ? 0 : Math.round(sorted[sorted.length - 1] / 100.0) / 10.0);
            return summary;
        }

        private static double percentile(long[] sorted, double p) {
            if (sorted.length == 0) {
                return 0;
            }
            return Math.round(sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] / 100.0) / 10.0;
        }
    }

    /** CPU used by Talkwire's process and by this load generator over the measured window, in cores. */
    static final class CpuMeter {

        private final Process server;

        private long wallStart;

        private long serverStart;

        private long selfStart;

        CpuMeter(Process server) {
            this.server = server;
        }

        void start() {
            wallStart = System.nanoTime();
            serverStart = server == null ? 0 : server.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
            selfStart = self();
        }

        Map<String, Double> stop() {
            double wall = System.nanoTime() - wallStart;
            long serverCpu = server == null ? 0 : server.info().totalCpuDuration().map(Duration::toNanos).orElse(0L) - serverStart;
            return Map.of("serverCpuCores", Math.round(serverCpu / wall * 100) / 100.0, "generatorCpuCores",
                    Math.round((self() - selfStart) / wall * 100) / 100.0);
        }

        private static long self() {
            return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        }
    }

    record ProcessMemory(long heapMb, long rssMb) {

        static ProcessMemory of(long pid) throws Exception {
            long rssKb = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(line -> line.startsWith("VmRSS:"))
                .mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")))
                .findFirst()
                .orElse(0);
            String heapInfo = jcmd(pid, "GC.heap_info");
            Matcher used = Pattern.compile("used (\\d+)K").matcher(heapInfo);
            return new ProcessMemory(used.find() ? Long.parseLong(used.group(1)) / 1024 : -1, rssKb / 1024);
        }
    }

    // ------------------------------------------------------------------ plumbing

    private void startTalkwire() throws Exception {
        int first = startInstance(options.containsKey("port") ? intOption("port", 0) : freePort());
        talkwire = instances.getFirst();
        port = first;
    }

    private static int freePort() throws IOException {
        // a free port of its own: a Talkwire of an earlier run may still be shutting down on the last one
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            return free.getLocalPort();
        }
    }

    private int startInstance(int port) throws Exception {
        Path jar;
        try (var files = Files.list(Path.of("target"))) {
            jar = files.filter(f -> f.getFileName().toString().matches("talkwire-.*\\.jar")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no target/talkwire-*.jar: package first"));
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + options.getOrDefault("heap", "512m"), "-jar", jar.toString(), "--server.port=" + port,
                "--talkwire.jwt.secret=benchmark-secret-benchmark-secret-0123456789",
                "--talkwire.limits.send-per-second=1000000", "--talkwire.limits.send-burst=1000000",
                "--talkwire.limits.sessions-per-user=1000000", "--talkwire.limits.login-failures=1000000",
                "--logging.level.root=WARN"));
        if (options.containsKey("jvmArgs")) {
            command.addAll(1, List.of(options.get("jvmArgs").split(",")));
        }
        if (options.containsKey("talkwireArgs")) {
            command.addAll(List.of(options.get("talkwireArgs").split(",")));
        }
        if (Boolean.parseBoolean(options.get("jfr")) && instances.isEmpty()) {
            command.add(1, "-XX:StartFlightRecording=filename=target/bench.jfr,settings=profile,dumponexit=true");
        }
        String log = instances.isEmpty() ? "bench-talkwire.log" : "bench-talkwire-" + (instances.size() + 1) + ".log";
        instances.add(new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(Path.of("target", log).toFile())
            .start());
        ports.add(port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200) {
                    return port;
                }
            }
            catch (IOException starting) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("Talkwire did not become healthy; see target/" + log);
    }

    private void stopTalkwire() {
        instances.forEach(Process::destroy);
    }

    private JsonNode rabbitApi(String path) throws Exception {
        String auth = java.util.Base64.getEncoder().encodeToString("guest:guest".getBytes());
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:15672" + path))
            .header("Authorization", "Basic " + auth).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private int intOption(String name, int fallback) {
        return Integer.parseInt(options.getOrDefault(name, String.valueOf(fallback)));
    }

    private static String row(String label, Object talkwire, Object rabbit) {
        String ratio = "-";
        if (talkwire instanceof Number t && rabbit instanceof Number r && r.doubleValue() != 0) {
            ratio = String.format("%.2fx", t.doubleValue() / r.doubleValue());
        }
        return "| " + label + " | " + talkwire + " | " + rabbit + " | " + ratio + " |";
    }
}
