package io.talkwire.bench;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.sun.management.OperatingSystemMXBean;

/** CPU used by Talkwire's processes (added up) and by this load generator over the measured window, in cores. */
final class CpuMeter {

    private final List<Process> servers;

    private long wallStart;

    private long serverStart;

    private long selfStart;

    CpuMeter(List<Process> servers) {
        this.servers = servers;
    }

    void start() {
        wallStart = System.nanoTime();
        serverStart = servers();
        selfStart = self();
    }

    /** Cores used since {@link #start}: {@code serverCpuCores} and {@code generatorCpuCores}, to 0.01. */
    Map<String, Double> stop() {
        double wall = System.nanoTime() - wallStart;
        long serverCpu = servers() - serverStart;
        return Map.of("serverCpuCores", Math.round(serverCpu / wall * 100) / 100.0, "generatorCpuCores",
                Math.round((self() - selfStart) / wall * 100) / 100.0);
    }

    private long servers() {
        return servers.stream().mapToLong(server -> server.info().totalCpuDuration().map(Duration::toNanos).orElse(0L)).sum();
    }

    private static long self() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
