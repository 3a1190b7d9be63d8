package io.talkwire.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The Talkwire instances under test: the packaged jar (target/talkwire-*.jar) started as child processes, each on a
 * port of its own with the limits raised for a load generator that is a few users on one address, waited for until
 * healthy, and stopped at the end. Each instance logs to target/bench-talkwire*.log. A baseline may start another
 * build's jar the same way ({@link #startJar}), with arguments of its own added.
 */
final class TalkwireProcesses {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static final long STARTUP_SECONDS = 90;

    private final BenchOptions options;

    /** Every instance started, in order (scenarios 1 and 3 may spread their sessions over several). */
    private final List<Process> instances = new ArrayList<>();

    private final List<Integer> ports = new ArrayList<>();

    /** Other processes ({@link #startJar}, {@link #startMain}), still running. */
    private final List<Process> others = new ArrayList<>();

    TalkwireProcesses(BenchOptions options) {
        this.options = options;
    }

    /** A new user's target on the first {@code count} instances, those not running yet started. */
    Talkwire newUser(int count) throws Exception {
        while (instances.size() < count) {
            start(instances.isEmpty() && options.port() > 0 ? options.port() : freePort());
        }
        return new Talkwire(ports.subList(0, count), instances.subList(0, count));
    }

    /** Instances of the packaged jar started so far (every one of them consumes talkwire.inbound, say). */
    int started() {
        return instances.size();
    }

    /**
     * An instance of another jar (an older build, for a baseline) on a free port, with the options the packaged
     * jar's instances get and then {@code extraJvmArgs} and {@code extraArgs}; it logs to
     * target/bench-talkwire-{@code name}.log.
     */
    Instance startJar(Path jar, String name, List<String> extraJvmArgs, List<String> extraArgs) throws Exception {
        int port = freePort();
        String log = "bench-talkwire-" + name + ".log";
        List<String> command = command(port, jar, extraArgs, false);
        command.addAll(command.indexOf("-jar"), extraJvmArgs); // after -Xmx, which they may override
        Process process = launch(command, log);
        others.add(process);
        awaitHealthy(port, log);
        return new Instance(port, process);
    }

    /**
     * Another application of the benchmark's class path ({@code mainClass}, a baseline such as
     * {@link io.talkwire.bench.relay.BareRelay}) on a free port, with the instances' heap and JVM options; it logs to
     * target/bench-{@code name}.log and is stopped with the instances.
     */
    Instance startMain(String mainClass, String name) throws Exception {
        int port = freePort();
        String log = "bench-" + name + ".log";
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + options.heap(), "-cp", System.getProperty("java.class.path"), mainClass, "--server.port=" + port,
                "--logging.level.root=WARN"));
        command.addAll(1, options.jvmArgs());
        Process process = launch(command, log);
        others.add(process);
        awaitHealthy(port, log);
        return new Instance(port, process);
    }

    /** Stops an instance of {@link #startJar} or {@link #startMain} and waits (at most 30 s) until it has. */
    void stop(Instance instance) throws InterruptedException {
        others.remove(instance.process());
        instance.process().destroy();
        instance.process().waitFor(30, TimeUnit.SECONDS);
    }

    void stopAll() {
        instances.forEach(Process::destroy);
        others.forEach(Process::destroy);
    }

    /** An instance of {@link #startJar}: its port and process. */
    record Instance(int port, Process process) {
    }

    private static int freePort() throws IOException {
        // a free port of its own: a Talkwire of an earlier run may still be shutting down on the last one
        try (ServerSocket free = new ServerSocket(0)) {
            return free.getLocalPort();
        }
    }

    private void start(int port) throws Exception {
        String log = instances.isEmpty() ? "bench-talkwire.log" : "bench-talkwire-" + (instances.size() + 1) + ".log";
        instances.add(launch(command(port, jar(), List.of(), instances.isEmpty()), log));
        ports.add(port);
        awaitHealthy(port, log);
    }

    private static Process launch(List<String> command, String log) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(Path.of("target", log).toFile())
            .start();
    }

    /** {@code first}: the first instance, the one JFR records when {@code jfr=true}. */
    private List<String> command(int port, Path jar, List<String> extraArgs, boolean first) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + options.heap(), "-jar", jar.toString(), "--server.port=" + port,
                "--talkwire.jwt.secret=benchmark-secret-benchmark-secret-0123456789",
                "--talkwire.limits.send-per-second=1000000", "--talkwire.limits.send-burst=1000000",
                "--talkwire.limits.sessions-per-user=1000000", "--talkwire.limits.login-failures=1000000",
                // the benchmark's users all sign up from this machine's one address
                "--talkwire.limits.signups-per-hour=1000000", "--talkwire.limits.rooms-per-hour=1000000",
                "--logging.level.root=WARN"));
        command.addAll(1, options.jvmArgs());
        command.addAll(options.talkwireArgs());
        command.addAll(extraArgs);
        if (options.jfr() && first) {
            command.add(1, "-XX:StartFlightRecording=filename=target/bench.jfr,settings=profile,dumponexit=true");
        }
        return command;
    }

    private static Path jar() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(f -> f.getFileName().toString().matches("talkwire-.*\\.jar")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no target/talkwire-*.jar: package first"));
        }
    }

    private static void awaitHealthy(int port, String log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STARTUP_SECONDS);
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health")).build();
        while (System.nanoTime() < deadline) {
            try {
                if (HTTP.send(health, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            }
            catch (IOException starting) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("The process did not become healthy; see target/" + log);
    }
}
