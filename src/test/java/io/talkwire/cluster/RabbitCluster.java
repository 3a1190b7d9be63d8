package io.talkwire.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.talkwire.PackagedInstance;

/**
 * A RabbitMQ cluster of a few nodes on this machine, run from the local RabbitMQ installation beside the one the
 * other tests use: each node has its own name, AMQP, STOMP and distribution ports and data directory (under
 * {@code target/}), with the STOMP plugin enabled. {@link #close} stops the nodes and removes their data.
 */
final class RabbitCluster implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(90);

    private final Path base;

    private final List<Node> nodes = new ArrayList<>();

    /** One node: what Talkwire connects to, and the Erlang VM's process (started in place of the start script). */
    record Node(String name, int amqpPort, int stompPort, Process process) {
    }

    private RabbitCluster(Path base) {
        this.base = base;
    }

    /** The {@code sbin} directory of the RabbitMQ installed on this machine (the newest, if several), if there is one. */
    static Optional<Path> installation() {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/rabbitmq/lib"))) {
            return versions.filter(dir -> dir.getFileName().toString().startsWith("rabbitmq_server-"))
                .map(dir -> dir.resolve("sbin"))
                .filter(sbin -> Files.isExecutable(sbin.resolve("rabbitmq-server")))
                .max(Comparator.comparing(RabbitCluster::version, Arrays::compare)); // 3.10 after 3.9
        }
        catch (IOException notInstalled) {
            return Optional.empty();
        }
    }

    /** {@code .../rabbitmq_server-3.10.8/sbin} → [3, 10, 8]. */
    private static int[] version(Path sbin) {
        String name = sbin.getParent().getFileName().toString();
        return Stream.of(name.substring("rabbitmq_server-".length()).split("\\D+"))
            .filter(part -> !part.isEmpty())
            .mapToInt(Integer::parseInt)
            .toArray();
    }

    /**
     * Starts {@code size} nodes and joins the others to the first; a start that fails (a port taken meanwhile, a node
     * slow to boot on a loaded machine) is cleaned up and tried once more with new names and ports.
     */
    static RabbitCluster start(int size) throws IOException, InterruptedException {
        try {
            return tryStart(size);
        }
        catch (IllegalStateException firstFailure) {
            try {
                return tryStart(size);
            }
            catch (IllegalStateException secondFailure) {
                secondFailure.addSuppressed(firstFailure);
                throw secondFailure;
            }
        }
    }

    private static RabbitCluster tryStart(int size) throws IOException, InterruptedException {
        String run = UUID.randomUUID().toString().substring(0, 8);
        RabbitCluster cluster = new RabbitCluster(Path.of("target", "rabbit-cluster-" + run).toAbsolutePath());
        try {
            Files.createDirectories(cluster.base);
            // every node and rabbitmqctl read the cookie from $HOME; written before any node starts, so none races to
            Path cookie = cluster.base.resolve(".erlang.cookie");
            Files.writeString(cookie, "TALKWIRETEST" + run.toUpperCase());
            Files.setPosixFilePermissions(cookie, PosixFilePermissions.fromString("r--------"));
            for (int i = 1; i <= size; i++) {
                cluster.nodes.add(cluster.startNode("talkwire-test-" + run + "-" + i));
            }
            for (Node node : cluster.nodes) {
                awaitPort(node.amqpPort());
            }
            String first = cluster.nodes.getFirst().name();
            for (Node node : cluster.nodes.subList(1, size)) {
                cluster.ctl(node, "stop_app");
                cluster.ctl(node, "join_cluster", first);
                cluster.ctl(node, "start_app");
            }
            for (Node node : cluster.nodes) {
                awaitPort(node.amqpPort());
                awaitPort(node.stompPort());
            }
            return cluster;
        }
        catch (IllegalStateException failed) {
            String logs = cluster.logTails();
            cluster.close();
            throw new IllegalStateException(failed.getMessage() + logs, failed);
        }
        catch (IOException | InterruptedException | RuntimeException failed) {
            cluster.close();
            throw failed;
        }
    }

    /** The last lines each node wrote to its console, for a failure's message (the files go with {@link #close}). */
    private String logTails() {
        StringBuilder tails = new StringBuilder();
        for (Node node : nodes) {
            Path log = base.resolve(node.name().substring(0, node.name().indexOf('@'))).resolve("server.log");
            try {
                List<String> lines = Files.readAllLines(log);
                tails.append("\n--- ").append(node.name()).append(", last lines of server.log:\n")
                    .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
            }
            catch (IOException | UncheckedIOException ex) {
                tails.append("\n--- ").append(node.name()).append(": no server.log (").append(ex.getMessage()).append(')');
            }
        }
        return tails.toString();
    }

    List<Node> nodes() {
        return nodes;
    }

    /** {@code spring.rabbitmq.addresses} for the whole cluster, the first node first. */
    String amqpAddresses() {
        return nodes.stream().map(node -> "127.0.0.1:" + node.amqpPort()).collect(Collectors.joining(","));
    }

    /** {@code talkwire.relay.addresses} for the whole cluster, the first node first. */
    String stompAddresses() {
        return nodes.stream().map(node -> "127.0.0.1:" + node.stompPort()).collect(Collectors.joining(","));
    }

    /** SIGKILL to the node's VM: it goes away as a crashed machine would, with no goodbye to anyone. */
    void kill(Node node) throws InterruptedException {
        node.process().destroyForcibly();
        node.process().waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        for (Node node : nodes) {
            if (node.process().isAlive()) {
                try {
                    ctl(node, "stop");
                }
                catch (RuntimeException | IOException | InterruptedException ex) {
                    // killed below
                }
                node.process().destroyForcibly();
            }
        }
        try (Stream<Path> files = Files.walk(base)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        }
        catch (IOException | UncheckedIOException ex) {
            // left in target/ for mvn clean
        }
    }

    private Node startNode(String name) throws IOException {
        int amqp = PackagedInstance.freePort();
        int stomp = PackagedInstance.freePort();
        int distribution = PackagedInstance.freePort();
        Path dir = Files.createDirectories(base.resolve(name));
        Files.writeString(dir.resolve("enabled_plugins"), "[rabbitmq_stomp].\n");
        Files.writeString(dir.resolve("rabbitmq.conf"), """
                listeners.tcp.default = %d
                stomp.listeners.tcp.1 = %d
                """.formatted(amqp, stomp));
        ProcessBuilder builder = new ProcessBuilder(sbin().resolve("rabbitmq-server").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("server.log").toFile());
        Map<String, String> env = builder.environment();
        env.put("HOME", base.toString());
        env.put("RABBITMQ_NODENAME", name + "@localhost");
        env.put("RABBITMQ_NODE_PORT", String.valueOf(amqp));
        env.put("RABBITMQ_DIST_PORT", String.valueOf(distribution));
        env.put("RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString());
        env.put("RABBITMQ_LOG_BASE", dir.resolve("log").toString());
        env.put("RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq.conf").toString());
        env.put("RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toString());
        // the start script then runs the Erlang VM in its own place: the process here is the node itself
        env.put("RUNNING_UNDER_SYSTEMD", "true");
        return new Node(name + "@localhost", amqp, stomp, builder.start());
    }

    private void ctl(Node node, String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of(sbin().resolve("rabbitmqctl").toString(), "-q", "-n", node.name()));
        line.addAll(List.of(command));
        Path output = base.resolve("rabbitmqctl.log");
        ProcessBuilder builder = new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().put("HOME", base.toString());
        Process ctl = builder.start();
        boolean done = ctl.waitFor(60, TimeUnit.SECONDS);
        if (!done) {
            ctl.destroyForcibly();
        }
        if (!done || ctl.exitValue() != 0) {
            throw new IllegalStateException("rabbitmqctl " + String.join(" ", command) + " on " + node.name() + ": "
                    + (done ? Files.readString(output) : "no answer within 60 s"));
        }
    }

    private static Path sbin() {
        return installation().orElseThrow(() -> new IllegalStateException("no RabbitMQ installed under /usr/lib/rabbitmq"));
    }

    private static void awaitPort(int port) throws InterruptedException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return;
            }
            catch (IOException notYet) {
                Thread.sleep(250);
            }
        }
        throw new IllegalStateException("nothing listens on port " + port + " after " + STARTUP);
    }
}
