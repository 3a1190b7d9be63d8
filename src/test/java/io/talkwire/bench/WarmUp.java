package io.talkwire.bench;

import java.util.List;

/**
 * The unmeasured load before scenarios 1 and 2, so that both are measured warm, as a server runs: fan-out at 8,000
 * deliveries/s in runs of {@link #RUN_SECONDS} until Talkwire's JIT compilers are done (under 1% of a run spent
 * compiling), then as long against the baseline. Compiler threads busy on this machine's 2 cores would add their own
 * latency to what is measured, and Spring's many code paths take one to two minutes of load to compile, far longer
 * than a fixed 10 s warm-up. On several instances the load is spread over them and their compiling is added up
 * (under 1% each on average).
 */
final class WarmUp {

    private static final int RUN_SECONDS = 10;

    static final int RATE_PER_PUBLISHER = 200;

    private WarmUp() {
    }

    /**
     * Warms Talkwire for at most {@code maxSeconds}, then the baseline as long; {@code servers} are the processes
     * whose CPU each run reads.
     *
     * @return the seconds of load each target got
     */
    static int run(Talkwire talkwire, Target rabbit, List<Process> servers, int maxSeconds) throws Exception {
        int seconds = untilCompiled(talkwire, servers, maxSeconds);
        FanOutLoad.measure(rabbit, servers, RATE_PER_PUBLISHER, seconds);
        return seconds;
    }

    /** Whether the JIT compilers are done: under 1% of {@code millis} of load (summed over JVMs) spent compiling. */
    static boolean compiled(long jitMillis, long millis) {
        return jitMillis * 100 < millis;
    }

    private static int untilCompiled(Talkwire talkwire, List<Process> servers, int maxSeconds) throws Exception {
        List<Process> jvms = talkwire.processes();
        int seconds = 0;
        while (seconds < maxSeconds) {
            long jitBefore = JvmCounters.jitMillis(jvms);
            FanOutLoad.measure(talkwire, servers, RATE_PER_PUBLISHER, RUN_SECONDS);
            seconds += RUN_SECONDS;
            long jit = JvmCounters.jitMillis(jvms) - jitBefore;
            System.out.println("warm-up: " + seconds + " s of load, JIT compiling " + jit + " ms in the last run");
            if (compiled(jit, RUN_SECONDS * 1000L * jvms.size())) {
                break;
            }
        }
        return seconds;
    }
}
