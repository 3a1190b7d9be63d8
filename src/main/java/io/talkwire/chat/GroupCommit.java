package io.talkwire.chat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

import io.talkwire.chat.MessageStore.Appended;
import io.talkwire.room.RoomService;
import jakarta.annotation.PreDestroy;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Commits concurrent sends together. One room's sends are serialized by its counter row, and every commit waits for
 * PostgreSQL's WAL flush; one transaction per message caps a room at a few hundred messages per second. Here a
 * single committer takes every send that is waiting, and in one transaction per batch checks permissions, drops
 * repeated clientMessageIds, takes each room's numbers with one UPDATE and inserts the rows. Every future completes
 * only after that commit, so a RECEIPT still means durable; if the batch fails, each send is retried alone, so one
 * bad send never fails the others.
 */
@Component
class GroupCommit {

    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);

    private static final int MAX_BATCH = 256;

    /** Committers working at once: different rooms commit in parallel; one room's batches queue on its row lock. */
    private static final int COMMITTERS = 4;

    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();

    private final MessageStore store;

    private final RoomService rooms;

    private final TransactionTemplate transactions;

    private final List<Thread> committers = new ArrayList<>();

    GroupCommit(MessageStore store, RoomService rooms, TransactionTemplate transactions) {
        this.store = store;
        this.rooms = rooms;
        this.transactions = transactions;
        for (int i = 0; i < COMMITTERS; i++) {
            committers.add(Thread.ofPlatform().daemon().name("talkwire-group-commit-" + i).start(this::run));
        }
    }

    /** Completes once the message is committed (or was already), or exceptionally with why it was not stored. */
    CompletableFuture<Appended> submit(long roomId, String sender, String content, @Nullable String clientMessageId) {
        Pending pending = new Pending(roomId, sender, content, clientMessageId, new CompletableFuture<>());
        queue.add(pending);
        return pending.result();
    }

    @PreDestroy
    void stop() {
        committers.forEach(Thread::interrupt);
    }

    private void run() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (!Thread.currentThread().isInterrupted()) {
            try {
                batch.add(queue.take());
                queue.drainTo(batch, MAX_BATCH - 1);
                commit(batch);
            }
            catch (InterruptedException stopping) {
                Thread.currentThread().interrupt();
            }
            catch (RuntimeException unexpected) {
                log.error("Group commit failed", unexpected);
                batch.forEach(p -> p.result().completeExceptionally(unexpected));
            }
            finally {
                batch.clear();
            }
        }
        queue.forEach(p -> p.result().completeExceptionally(new IllegalStateException("shutting down")));
    }

    private void commit(List<Pending> batch) {
        if (batch.size() == 1) {
            commitAlone(batch.getFirst());
            return;
        }
        Map<Pending, Appended> results;
        try {
            results = transactions.execute(tx -> commitTogether(batch));
        }
        catch (DataAccessResourceFailureException | TransientDataAccessException | TransactionException unavailable) {
            // PostgreSQL is away: every send of the batch fails now, rather than each waiting for a connection
            batch.forEach(p -> p.result().completeExceptionally(unavailable));
            return;
        }
        catch (DataAccessException | SendRejectedException batchFailed) {
            // a racing duplicate on another instance, say: each one on its own, with its own outcome
            batch.forEach(this::commitAlone);
            return;
        }
        batch.forEach(p -> {
            Appended appended = Objects.requireNonNull(results).get(p);
            if (appended == null) {
                p.result().completeExceptionally(notFound(p.roomId()));
            }
            else {
                p.result().complete(appended);
            }
        });
    }

    private void commitAlone(Pending pending) {
        try {
            Map<Pending, Appended> result = transactions.execute(tx -> commitTogether(List.of(pending)));
            Appended appended = Objects.requireNonNull(result).get(pending);
            if (appended == null) {
                pending.result().completeExceptionally(notFound(pending.roomId()));
            }
            else {
                pending.result().complete(appended);
            }
        }
        catch (DuplicateKeyException concurrentRetry) {
            // the same clientMessageId just committed by another instance: that one is the message
            store.find(pending.roomId(), pending.sender(), pending.clientMessageId())
                .ifPresentOrElse(m -> pending.result().complete(new Appended(m, false)),
                        () -> pending.result().completeExceptionally(concurrentRetry));
        }
        catch (RuntimeException ex) {
            pending.result().completeExceptionally(ex);
        }
    }

    /** One transaction: rooms in id order (no deadlock with other committers), numbers taken once per room. */
    private Map<Pending, Appended> commitTogether(List<Pending> batch) {
        Map<Pending, Appended> results = new LinkedHashMap<>();
        Map<Long, List<Pending>> byRoom = new TreeMap<>();
        batch.forEach(p -> byRoom.computeIfAbsent(p.roomId(), id -> new ArrayList<>()).add(p));
        for (Map.Entry<Long, List<Pending>> room : byRoom.entrySet()) {
            List<Pending> fresh = new ArrayList<>();
            Map<String, Pending> firstOfId = new LinkedHashMap<>();
            Map<String, Boolean> maySend = new HashMap<>();
            Map<String, ChatMessage> stored = store.findAll(room.getKey(), room.getValue().stream()
                .map(Pending::clientMessageId).filter(Objects::nonNull).distinct().toList());
            for (Pending pending : room.getValue()) {
                if (!maySend.computeIfAbsent(pending.sender(), sender -> rooms.canRead(room.getKey(), sender))) {
                    continue; // no result: NOT_FOUND
                }
                String key = pending.clientMessageId() == null ? null : pending.sender() + "\n" + pending.clientMessageId();
                if (key != null && firstOfId.containsKey(key)) {
                    continue; // the same message twice in this batch: answered from the first
                }
                if (key != null) {
                    firstOfId.put(key, pending);
                    ChatMessage existing = stored.get(key);
                    if (existing != null) {
                        results.put(pending, new Appended(existing, false));
                        continue;
                    }
                }
                fresh.add(pending);
            }
            if (!fresh.isEmpty()) {
                long last = store.takeSeqs(room.getKey(), fresh.size());
                long seq = last - fresh.size();
                List<ChatMessage> messages = new ArrayList<>();
                Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
                for (Pending pending : fresh) {
                    ChatMessage message = new ChatMessage(UUID.randomUUID().toString(), room.getKey(), ++seq,
                            pending.sender(), pending.content(), pending.clientMessageId(), now);
                    messages.add(message);
                    results.put(pending, new Appended(message, true));
                }
                store.insertAll(messages);
            }
            for (Pending pending : room.getValue()) {
                if (!results.containsKey(pending) && pending.clientMessageId() != null) {
                    Pending first = firstOfId.get(pending.sender() + "\n" + pending.clientMessageId());
                    Appended original = first == null ? null : results.get(first);
                    if (original != null) {
                        results.put(pending, new Appended(original.message(), false));
                    }
                }
            }
        }
        return results;
    }

    private static SendRejectedException notFound(long roomId) {
        return new SendRejectedException(HttpStatus.NOT_FOUND, "NOT_FOUND", "room " + roomId + " not found");
    }

    private record Pending(long roomId, String sender, String content, @Nullable String clientMessageId,
            CompletableFuture<Appended> result) {

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
