package io.talkwire.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a running JVM tells about itself, through the JDK's jcmd: the time its JIT compilers have spent (from its
 * performance counters) and its heap used; and, from /proc, its resident set size.
 */
final class JvmCounters {

    private static final Pattern JIT_TICKS = Pattern.compile("java\\.ci\\.totalTime=(\\d+)");

    private static final Pattern TICKS_PER_SECOND = Pattern.compile("sun\\.os\\.hrt\\.frequency=(\\d+)");

    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    private JvmCounters() {
    }

    /** Heap used (MB, -1 when jcmd does not say) and resident set size (MB) of one JVM. */
    record Memory(long heapMb, long rssMb) {
    }

    /** JIT compiling of several JVMs, added up. */
    static long jitMillis(List<Process> jvms) throws Exception {
        long millis = 0;
        for (Process jvm : jvms) {
            millis += jitMillis(jvm);
        }
        return millis;
    }

    static Memory memory(long pid) throws Exception {
        long rssKb = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
            .filter(line -> line.startsWith("VmRSS:"))
            .mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")))
            .findFirst()
            .orElse(0);
        Matcher used = HEAP_USED.matcher(jcmd(pid, "GC.heap_info"));
        return new Memory(used.find() ? Long.parseLong(used.group(1)) / 1024 : -1, rssKb / 1024);
    }

    /** Time the JVM's JIT compilers have spent compiling, from its performance counters. */
    private static long jitMillis(Process jvm) throws Exception {
        String counters = jcmd(jvm.pid(), "PerfCounter.print");
        Matcher ticks = JIT_TICKS.matcher(counters);
        Matcher frequency = TICKS_PER_SECOND.matcher(counters);
        if (!ticks.find() || !frequency.find()) {
            throw new IllegalStateException("no JIT counters from jcmd: " + counters);
        }
        return Long.parseLong(ticks.group(1)) * 1000 / Long.parseLong(frequency.group(1));
    }

    /** What the JDK's jcmd prints for a diagnostic command to a JVM. */
    private static String jcmd(long pid, String command) throws Exception {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(pid), command).redirectErrorStream(true).start();
        String out = new String(jcmd.getInputStream().readAllBytes());
        jcmd.waitFor();
        return out;
    }
}
