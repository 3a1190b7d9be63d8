package io.talkwire;

import java.util.concurrent.Executor;

import org.springframework.core.task.TaskExecutor;

/**
 * Hands each task to another executor, then, on a platform thread, yields the CPU once, so that a thread the hand-off
 * woke runs at once. Linux often queues a woken thread on the CPU of the thread that woke it, where it waits until
 * that thread blocks or is preempted, even with another CPU idle: up to milliseconds while a committer or a relay
 * connection's event loop goes on working after handing over frames to write. Measured with
 * {@code bench/WakeupProbe.java} on 2 cores: a hand-off whose waker went on working for 1 ms had a p99 of 1 ms, with
 * a yield right after it 0.16 ms. A yield with nothing else to run costs about a microsecond; on a virtual thread it
 * would only let other virtual threads run, so none is made there.
 */
public final class YieldingExecutor implements TaskExecutor {

    private final Executor delegate;

    public YieldingExecutor(Executor delegate) {
        this.delegate = delegate;
    }

    @Override
    public void execute(Runnable task) {
        delegate.execute(task);
        if (!Thread.currentThread().isVirtual()) {
            Thread.yield();
        }
    }
}
