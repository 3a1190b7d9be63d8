package io.talkwire;

import org.springframework.context.SmartLifecycle;

/**
 * A bean with a step in the instance's shutdown: it runs from {@link #start} (or from its construction) until
 * {@link #stop}, which marks it stopped and then takes its step ({@link #shutDown}) in its phase of
 * {@link ShutdownOrder}.
 */
public abstract class ShutdownStep implements SmartLifecycle {

    private final int phase;

    private volatile boolean running;

    /** Running from {@link #start}. */
    protected ShutdownStep(int phase) {
        this(phase, false);
    }

    /** {@code runningAtOnce}: running from construction, for a bean that is used before the context starts it. */
    protected ShutdownStep(int phase, boolean runningAtOnce) {
        this.phase = phase;
        this.running = runningAtOnce;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        shutDown();
    }

    /** This bean's step of the shutdown; {@link #isRunning} is false already. */
    protected abstract void shutDown();

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return phase;
    }
}
