package io.talkwire.chat;

import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.stereotype.Component;

/**
 * SENDs that a client's frame has brought in and that are not yet handed to the group commit: the STOMP gate counts
 * a SEND from the moment it lets it through until its handling returns. While any are on their way, a committer
 * that just took a send waits briefly for them, so that sends arriving together (two people answering at once) share
 * one commit instead of queueing for the room one commit after the other.
 */
@Component
public class SendsInFlight {

    private final AtomicInteger count = new AtomicInteger();

    public void started() {
        count.incrementAndGet();
    }

    public void handled() {
        count.decrementAndGet();
    }

    public boolean any() {
        return count.get() > 0;
    }
}
