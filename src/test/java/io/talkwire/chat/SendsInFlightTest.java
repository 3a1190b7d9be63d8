package io.talkwire.chat;

import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A SEND counts from its gate until it is queued or its handling returns, whichever comes first, once. */
class SendsInFlightTest {

    private final SendsInFlight inFlight = new SendsInFlight();

    @Test
    void aSendStopsCountingOnceHandedOverAndItsHandlingReturningDoesNotCountItAgain() {
        inFlight.started();
        assertThat(inFlight.any()).isTrue();
        inFlight.handled(); // queued for the group commit
        assertThat(inFlight.any()).isFalse();

        CompletableFuture.runAsync(inFlight::started).join(); // another reading thread's send
        inFlight.handled(); // this thread's handling returns: the other send still counts
        assertThat(inFlight.any()).isTrue();
    }

    @Test
    void aRejectedSendStopsCountingWhenItsHandlingReturns() {
        inFlight.started();
        inFlight.handled();
        inFlight.handled();
        assertThat(inFlight.any()).isFalse();
        inFlight.started();
        assertThat(inFlight.any()).isTrue();
    }
}
