package io.talkwire.chat;

import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.stereotype.Component;

/**
 * SENDs that a client's frame has brought in and that are not yet handed to the group commit: the STOMP gate counts
 * a SEND from the moment it lets it through until the group commit has it, or its handling returns without it (a
 * rejected send). While any are on their way, a committer that just took a send waits briefly for them, so that sends
 * arriving together (two people answering at once) share one commit instead of queueing for the room one commit after
 * the other. A send stops counting right after it is queued, so a committer does not wait for the send it just took
 * (unless the reading thread is held up between the two steps; counting it off before would cost batches instead).
 *
 * <p>A send is counted on the thread that reads its frame (the inbound channel runs its handlers there), so that
 * thread is where it stops counting, whichever comes first.
 */
@Component
public class SendsInFlight {

    private final AtomicInteger count = new AtomicInteger();

    /** Whether this thread's send is still counted. */
    private final ThreadLocal<Boolean> counted = new ThreadLocal<>();

    /** A SEND was let through on this thread. */
    public void started() {
        count.incrementAndGet();
        counted.set(Boolean.TRUE);
    }

    /** This thread's send is handed over, or its handling returned: it no longer counts (once, whichever comes first). */
    public void handled() {
        if (counted.get() != null) {
            counted.remove();
            count.decrementAndGet();
        }
    }

    public boolean any() {
        return count.get() > 0;
    }
}
