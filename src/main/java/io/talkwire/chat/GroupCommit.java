package io.talkwire.chat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.talkwire.BatchWorker;
import io.talkwire.ShutdownOrder;
import io.talkwire.ShutdownStep;
import io.talkwire.chat.ChatEvents.MessageEvent;
import io.talkwire.room.RoomEvent;
import io.talkwire.room.RoomService;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Commits concurrent sends together. One room's sends are serialized by its counter row, and every commit waits for
 * PostgreSQL's WAL flush; one transaction per message caps a room at a few hundred messages per second. Here a
 * committer takes every send that is waiting and stores the batch with one statement ({@link MessageStore#appendAll}:
 * permissions, numbering and the rows in one round trip and one commit). Every future completes only after that
 * commit, so a RECEIPT still means durable, and each new message is published (a {@link RoomEvent}) on the committer's
 * thread before its future completes, so a room's messages are published in seq order; if the batch fails (a clientMessageId used before, say), each send is
 * retried alone, so one bad send never fails the others.
 */
@Component
class GroupCommit extends ShutdownStep {

    private static final int MAX_BATCH = 256;

    /**
     * Committers working at once: different rooms commit in parallel, and each room has its committer (by id), so a
     * room's sends are batched together instead of racing for its row lock, one WAL flush after the other.
     */
    private static final int COMMITTERS = 4;

    /** How long a committer waits for sends already on their way ({@link SendsInFlight}) before it commits. */
    private static final Duration MAX_LINGER = Duration.ofNanos(500_000);

    private final MessageStore store;

    private final RoomService rooms;

    private final ApplicationEventPublisher events;

    private final BatchWorker<Pending> committers;

    private final SendsInFlight inFlight;

    private final SendMeters sends;

    /** Messages per successful commit statement, and how long it took (the WAL flush included). */
    private final DistributionSummary batchSize;

    private final Timer commitLatency;

    GroupCommit(MessageStore store, RoomService rooms, ApplicationEventPublisher events, SendsInFlight inFlight,
            SendMeters sends, MeterRegistry meters) {
        super(ShutdownOrder.SENDS); // first of all, while the STOMP sessions are open to take the RECEIPTs
        this.store = store;
        this.rooms = rooms;
        this.events = events;
        this.inFlight = inFlight;
        this.sends = sends;
        this.batchSize = DistributionSummary.builder("talkwire.commit.batch")
            .description("messages stored by one commit of the group commit")
            .baseUnit("messages")
            .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, MAX_BATCH)
            .register(meters);
        this.commitLatency = Timer.builder("talkwire.commit.latency")
            .description("one group commit's statement and commit, WAL flush included (successful ones)")
            .publishPercentileHistogram()
            .register(meters);
        this.committers = new BatchWorker<>("talkwire-group-commit", COMMITTERS, MAX_BATCH, this::commit, Pending::result,
                inFlight::any, MAX_LINGER);
        Gauge.builder("talkwire.commit.backlog", committers, BatchWorker::backlog)
            .description("sends waiting for a committer")
            .register(meters);
    }

    /** Completes once the message is committed (or was already), or exceptionally with why it was not stored. */
    CompletableFuture<ChatMessage> submit(long roomId, String sender, String content, @Nullable String clientMessageId) {
        Pending pending = new Pending(roomId, sender, content, clientMessageId, new CompletableFuture<>());
        committers.submit(pending, roomId);
        inFlight.handled(); // a STOMP SEND's: queued, so its committer does not linger for it
        return pending.result();
    }

    /**
     * At SIGTERM, before the STOMP sessions close: the sends already read are committed (5 s at most) while their
     * RECEIPTs, events, notifications and inbound acknowledgements can still go out; the rest fail with
     * {@link io.talkwire.ShuttingDownException} (an ERROR event for a STOMP SEND, 503 over REST).
     */
    @Override
    protected void shutDown() {
        committers.stop();
    }

    private void commit(List<Pending> batch) {
        // the same message twice in one batch (a quick retry): stored once, the repeat answered from the first
        Map<String, Pending> firstOfId = new HashMap<>();
        List<Pending> distinct = new ArrayList<>();
        Map<Pending, Pending> repeats = new LinkedHashMap<>();
        for (Pending pending : batch) {
            Pending first = pending.idempotencyKey() == null ? null : firstOfId.putIfAbsent(pending.idempotencyKey(), pending);
            if (first == null) {
                distinct.add(pending);
            }
            else {
                repeats.put(pending, first);
            }
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<ChatMessage> messages = distinct.stream()
            .map(p -> new ChatMessage(UUID.randomUUID().toString(), p.roomId(), p.sender(), p.content(),
                    p.clientMessageId(), now))
            .toList();
        Map<UUID, Long> stored;
        try {
            long started = System.nanoTime();
            stored = store.appendAll(messages);
            commitLatency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            batchSize.record(messages.size());
        }
        catch (DataAccessResourceFailureException | TransientDataAccessException unavailable) {
            // PostgreSQL is away: every send of the batch fails now, rather than each waiting for a connection
            batch.forEach(p -> p.result().completeExceptionally(unavailable));
            return;
        }
        catch (RuntimeException batchFailed) {
            // a clientMessageId already stored (a client's retry, or a racing one on another instance), say: each
            // send on its own, with its own outcome, so one bad send never fails the others
            if (distinct.size() > 1) {
                distinct.forEach(p -> commit(List.of(p)));
            }
            else if (batchFailed instanceof DuplicateKeyException) {
                completeUnstored(distinct.getFirst(), batchFailed);
            }
            else {
                distinct.getFirst().result().completeExceptionally(batchFailed);
            }
            repeats.forEach(GroupCommit::answerRepeat);
            return;
        }
        for (int i = 0; i < distinct.size(); i++) {
            Pending pending = distinct.get(i);
            ChatMessage message = messages.get(i);
            Long seq = stored.get(UUID.fromString(message.id()));
            if (seq == null) {
                completeUnstored(pending, null);
            }
            else {
                ChatMessage committed = message.withSeq(seq);
                events.publishEvent(new RoomEvent(committed.roomId(), seq, new MessageEvent(committed)));
                sends.committed();
                pending.result().complete(committed);
            }
        }
        repeats.forEach(GroupCommit::answerRepeat);
    }

    /** Left out of the batch: the room is not readable by the sender (or gone), or the clientMessageId was used. */
    private void completeUnstored(Pending pending, @Nullable RuntimeException failure) {
        try {
            Optional<ChatMessage> earlier = pending.clientMessageId() == null || !rooms.canRead(pending.roomId(), pending.sender())
                    ? Optional.empty()
                    : store.find(pending.roomId(), pending.sender(), pending.clientMessageId());
            earlier.ifPresentOrElse(pending.result()::complete,
                    () -> pending.result().completeExceptionally(failure == null ? notFound(pending.roomId()) : failure));
        }
        catch (RuntimeException ex) {
            pending.result().completeExceptionally(ex);
        }
    }

    private static void answerRepeat(Pending repeat, Pending first) {
        first.result().whenComplete((message, error) -> {
            if (error != null) {
                repeat.result().completeExceptionally(error);
            }
            else {
                repeat.result().complete(message);
            }
        });
    }

    private static SendRejectedException notFound(long roomId) {
        return new SendRejectedException(HttpStatus.NOT_FOUND, "NOT_FOUND", "room " + roomId + " not found");
    }

    private record Pending(long roomId, String sender, String content, @Nullable String clientMessageId,
            CompletableFuture<ChatMessage> result) {

        /** Same sender, room and clientMessageId: the same message; null without a clientMessageId. */
        @Nullable String idempotencyKey() {
            return clientMessageId == null ? null : roomId + "\n" + sender + "\n" + clientMessageId;
        }

        // identity, not value: two sends of the same text are two sends
        @Override
        public boolean equals(Object other) {
            return this == other;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }
}
