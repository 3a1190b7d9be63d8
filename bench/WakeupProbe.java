import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * How long a hand-off between threads or processes takes on this machine, at a steady rate (run it with nothing else
 * running): the wake-up that every hop of a message's path (socket to reader, reader to committer, committer to
 * PostgreSQL and back, to the writers) pays when the thread it hands over to is asleep. Kinds, in alternating rounds
 * after one round that is not reported (the JIT compiles meanwhile):
 *
 * <ul>
 * <li>{@code parked, waker works}: one thread hands a value to another, parked ({@link LockSupport#park}), goes on
 * working for 1 ms (as a committer goes on after handing over frames), then parks; timed until the other ran;
 * <li>{@code parked, waker yields}: the same, the handing thread yielding its CPU once ({@link Thread#yield}) right
 * after the hand-off;
 * <li>{@code parked, waker parks}: the same, the handing thread parking at once;
 * <li>{@code spinning}: the other thread spinning instead of parked, the handing thread parking at once (no wake-up:
 * what the machine itself adds);
 * <li>{@code process}: a round trip through pipes to a child process ({@code cat}) blocked on its read, as a query to
 * PostgreSQL (two wake-ups: the child's, then this thread's).
 * </ul>
 *
 * <p>Usage (single-file source, no build), positional arguments with their defaults:
 * {@code java bench/WakeupProbe.java [perSecond 100] [seconds 10] [rounds 3]}
 */
public class WakeupProbe {

    private static final long WORK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private static volatile long handedAt;

    private static volatile long ranAt;

    public static void main(String[] args) throws Exception {
        int perSecond = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int samples = perSecond * seconds;
        long pause = TimeUnit.SECONDS.toNanos(1) / perSecond;
        for (int round = 0; round <= rounds; round++) { // round 0 warms up
            report(round, "parked, waker works", handOff(samples, pause, false, WORK_NANOS, false));
            report(round, "parked, waker yields", handOff(samples, pause, false, WORK_NANOS, true));
            report(round, "parked, waker parks", handOff(samples, pause, false, 0, false));
            report(round, "spinning", handOff(samples, pause, true, 0, false));
            report(round, "process", roundTrips(samples, pause));
        }
    }

    /**
     * Hands a value to a thread, parked or spinning, {@code samples} times, and returns the time until it ran; the
     * handing thread yields first if asked, works (spins) for {@code workNanos}, then parks until the next hand-off.
     */
    private static long[] handOff(int samples, long pause, boolean spinning, long workNanos, boolean yield)
            throws InterruptedException {
        long[] latencies = new long[samples];
        long before = handedAt; // the previous kind's last hand-off
        Thread receiver = Thread.ofPlatform().daemon().start(() -> {
            long seen = before;
            while (!Thread.currentThread().isInterrupted()) {
                while (handedAt == seen && !Thread.currentThread().isInterrupted()) {
                    if (spinning) {
                        Thread.onSpinWait();
                    }
                    else {
                        LockSupport.park();
                    }
                }
                seen = handedAt;
                ranAt = System.nanoTime();
            }
        });
        Thread.sleep(100);
        for (int i = 0; i < samples; i++) {
            long handed = System.nanoTime();
            handedAt = handed;
            LockSupport.unpark(receiver);
            if (yield) {
                Thread.yield();
            }
            while (System.nanoTime() - handed < workNanos) {
                Thread.onSpinWait();
            }
            LockSupport.parkNanos(pause - workNanos);
            long ran = ranAt;
            while (ran < handed) { // not yet, after a whole pause
                LockSupport.parkNanos(50_000);
                ran = ranAt;
            }
            latencies[i] = ran - handed;
        }
        receiver.interrupt();
        receiver.join();
        return latencies;
    }

    /** A byte to {@code cat} and back, {@code samples} times; returns each round trip's time. */
    private static long[] roundTrips(int samples, long pause) throws Exception {
        Process child = new ProcessBuilder("cat").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        long[] latencies = new long[samples];
        try (OutputStream out = child.getOutputStream(); InputStream in = child.getInputStream()) {
            out.write(1); // the child's start-up, untimed
            out.flush();
            in.read();
            for (int i = 0; i < samples; i++) {
                LockSupport.parkNanos(pause);
                long started = System.nanoTime();
                out.write(1);
                out.flush();
                if (in.read() < 0) {
                    throw new IllegalStateException("the child process ended");
                }
                latencies[i] = System.nanoTime() - started;
            }
        }
        child.waitFor(5, TimeUnit.SECONDS);
        return latencies;
    }

    private static void report(int round, String kind, long[] latencies) {
        if (round == 0) {
            return;
        }
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        long overNineTenthsMs = Arrays.stream(sorted).filter(nanos -> nanos > 900_000).count();
        System.out.printf("round %d %-20s %5d hand-offs: p50 %7.1f us, p90 %7.1f us, p99 %7.1f us, max %7.1f us; "
                + "over 0.9 ms: %d%n", round, kind, sorted.length, micros(at(sorted, 0.5)), micros(at(sorted, 0.9)),
                micros(at(sorted, 0.99)), micros(sorted[sorted.length - 1]), overNineTenthsMs);
    }

    /** The nearest-rank percentile: the smallest value that at least {@code share} of the values do not exceed. */
    private static long at(long[] sorted, double share) {
        return sorted[Math.max(0, (int) Math.ceil(share * sorted.length) - 1)];
    }

    private static double micros(long nanos) {
        return nanos / 1_000.0;
    }
}
