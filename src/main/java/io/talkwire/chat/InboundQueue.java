package io.talkwire.chat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import com.rabbitmq.client.Channel;
import io.talkwire.auth.UserService;
import io.talkwire.chat.ChatEvents.SendRequest;
import io.talkwire.chat.ConfirmedPublisher.Outgoing;
import jakarta.annotation.PreDestroy;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;
import org.springframework.web.server.ResponseStatusException;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@value RabbitNames#INBOUND}: backend services and bots post {@code {"roomId","username","content","clientMessageId"}}
 * and Talkwire commits each exactly as that user's SEND (same rules, idempotent by clientMessageId, no rate limit).
 * A message is acknowledged only once it is committed, or once it is in {@value RabbitNames#INBOUND_DEAD} with a
 * header {@value RabbitNames#ERROR_HEADER} saying why it never can be (published with a confirm, and mandatory: a
 * dead letter that finds that queue gone is kept unacknowledged, the queue declared again, and the letter tried again
 * 5 s later, as after any failed publish). A failure that may
 * pass (PostgreSQL away) is retried here, backing off, without returning the message to the queue: a crash meanwhile
 * gives it back to RabbitMQ unacknowledged, and the clientMessageId keeps a second delivery from storing it twice.
 * <p>
 * Acknowledgements, dead-lettering and retries run on one thread of their own, so the listener only reads, checks
 * and hands each message to the group commit: a poison message never blocks the queue, and never goes round it.
 */
@Component
class InboundQueue {

    private static final Logger log = LoggerFactory.getLogger(InboundQueue.class);

    static final int MAX_BODY_BYTES = ChatStompController.MAX_BODY_BYTES;

    private static final long MAX_RETRY_MILLIS = TimeUnit.SECONDS.toMillis(30);

    private static final int MAX_KNOWN_USERS = 10_000;

    private final ChatService chat;

    private final UserService users;

    private final JsonMapper json;

    private final ConfirmedPublisher deadLetters;

    /**
     * The users found, by their one form ({@link UserService#normalize}): users are never renamed or deleted, so a
     * name once found stays right, and a bot's messages cost no look-up each. Names not found are not kept.
     */
    private final Set<String> knownUsers = ConcurrentHashMap.newKeySet();

    /** Dead letters not yet published. */
    private final Queue<DeadLetter> deadLettersDue = new ConcurrentLinkedQueue<>();

    /** Declares {@value RabbitNames#INBOUND_DEAD} again when a dead letter finds it gone. */
    private final AmqpAdmin admin;

    /** Whether a retry of the dead letters due is scheduled: new ones wait for it. Read and written on {@link #acks}. */
    private boolean deadLettersRetrying;

    /** Acknowledgements and dead-letter publishes only: never held up by the database. */
    private final ScheduledThreadPoolExecutor acks = scheduler("talkwire-inbound-acks");

    /** Retries of commits that met an outage: they may wait for the database. */
    private final ScheduledThreadPoolExecutor retries = scheduler("talkwire-inbound-retries");

    InboundQueue(ChatService chat, UserService users, JsonMapper json, ConnectionFactory connectionFactory,
            AmqpAdmin admin) {
        this.chat = chat;
        this.users = users;
        this.json = json;
        this.deadLetters = new ConfirmedPublisher(connectionFactory, true);
        this.admin = admin;
    }

    @RabbitListener(queues = RabbitNames.INBOUND, ackMode = "MANUAL")
    void on(Message message, Channel channel) {
        commit(message, channel, message.getMessageProperties().getDeliveryTag(), 0);
    }

    private void commit(Message message, Channel channel, long tag, long retryMillis) {
        if (!channel.isOpen()) {
            return; // RabbitMQ gives it to a consumer again: that delivery is the one to commit
        }
        Inbound inbound;
        try {
            inbound = read(message.getBody());
        }
        catch (Unusable ex) {
            deadLetter(message, channel, tag, ex.getMessage());
            return;
        }
        catch (RuntimeException ex) {
            failed(ex, message, channel, tag, retryMillis);
            return;
        }
        try {
            chat.sendUnlimited(inbound.roomId(), inbound.username(), new SendRequest(inbound.content(), inbound.clientMessageId()))
                .whenComplete((stored, error) -> {
                    if (error == null) {
                        acks.execute(() -> ack(channel, tag));
                    }
                    else {
                        failed(unwrap(error), message, channel, tag, retryMillis);
                    }
                });
        }
        catch (RuntimeException ex) {
            failed(ex, message, channel, tag, retryMillis);
        }
    }

    private void failed(Throwable error, Message message, Channel channel, long tag, long retryMillis) {
        if (stopping) {
            return; // not committed, not acknowledged: RabbitMQ gives it to another instance
        }
        if (mayPass(error)) {
            long next = Math.min(MAX_RETRY_MILLIS, Math.max(500, retryMillis * 2));
            if (retryMillis == 0) {
                log.warn("Could not commit an inbound message yet ({}); trying again, backing off to {} s",
                        error.getMessage(), MAX_RETRY_MILLIS / 1000);
            }
            retries.schedule(() -> commit(message, channel, tag, next), next, TimeUnit.MILLISECONDS);
            return;
        }
        String reason = error instanceof SendRejectedException rejected ? rejected.code() + ": " + rejected.getReason()
                : "internal error: " + error.getClass().getSimpleName();
        if (!(error instanceof SendRejectedException)) {
            log.error("An inbound message could not be committed", error);
        }
        deadLetter(message, channel, tag, reason);
    }

    /**
     * Failures of the database's availability, which pass: retried (here, and by {@link Notifications}). Anything else
     * the database says (a constraint, bad data) would fail again, and the message is dead-lettered.
     */
    static boolean mayPass(Throwable error) {
        return error instanceof TransientDataAccessException || error instanceof DataAccessResourceFailureException
                || error instanceof RecoverableDataAccessException || error instanceof TransactionException;
    }

    /** The message as a send, or why it can never be one. */
    private Inbound read(byte[] body) throws Unusable {
        if (body.length > MAX_BODY_BYTES) {
            throw new Unusable("TOO_LARGE: the body has " + body.length + " bytes, at most " + MAX_BODY_BYTES);
        }
        Inbound inbound;
        try {
            inbound = json.readValue(body, Inbound.class);
        }
        catch (JacksonException ex) {
            throw new Unusable("INVALID_JSON: " + ex.getOriginalMessage());
        }
        if (inbound == null || inbound.roomId() == null || inbound.username() == null) {
            throw new Unusable("INVALID_MESSAGE: roomId and username are required");
        }
        if (inbound.clientMessageId() == null || inbound.clientMessageId().isEmpty()) {
            throw new Unusable("INVALID_CLIENT_MESSAGE_ID: clientMessageId is required (it keeps a redelivery from storing twice)");
        }
        // as the user is stored (" Alice " is alice), or the commit would name nobody
        String username;
        try {
            username = UserService.normalize(inbound.username());
        }
        catch (ResponseStatusException malformed) {
            throw unknownUser(inbound.username()); // control characters: no such user either
        }
        if (!knownUsers.contains(username)) {
            if (users.find(username).isEmpty()) {
                throw unknownUser(inbound.username());
            }
            if (knownUsers.size() >= MAX_KNOWN_USERS) {
                knownUsers.clear(); // a cache: found again as needed
            }
            knownUsers.add(username);
        }
        return new Inbound(inbound.roomId(), username, inbound.content(), inbound.clientMessageId());
    }

    private static Unusable unknownUser(String username) {
        return new Unusable("UNKNOWN_USER: no user '" + username + "'");
    }

    private void ack(Channel channel, long tag) {
        try {
            channel.basicAck(tag, false);
        }
        catch (IOException | RuntimeException ex) {
            // the channel is gone: RabbitMQ delivers the message again, and its clientMessageId stores it once
            log.warn("Could not acknowledge an inbound message: {}", ex.getMessage());
        }
    }

    /** Dead-letters the message, with the next batch of them; acknowledged once RabbitMQ confirmed the batch. */
    private void deadLetter(Message message, Channel channel, long tag, String reason) {
        deadLettersDue.add(new DeadLetter(message, channel, tag, reason));
        acks.execute(() -> {
            if (!deadLettersRetrying) {
                publishDeadLetters();
            }
        });
    }

    /**
     * On the acknowledging thread: every dead letter due, published with one wait for RabbitMQ's confirms, then
     * acknowledged. One wait each (a disk write of the quorum queue) held the acknowledgements of good messages
     * behind it: with one message in ten refused, the good ones were committed at under half their pace.
     */
    private void publishDeadLetters() {
        List<DeadLetter> batch = new ArrayList<>();
        for (DeadLetter due = deadLettersDue.poll(); due != null; due = deadLettersDue.poll()) {
            batch.add(due);
        }
        if (batch.isEmpty()) {
            return; // an earlier run took them
        }
        try {
            deadLetters.publishAll("", batch.stream().map(DeadLetter::outgoing).toList());
            batch.forEach(dead -> ack(dead.channel(), dead.tag()));
        }
        catch (IOException ex) {
            // kept unacknowledged and tried again later, never sent round the queue (a crash gives them back)
            log.warn("Could not dead-letter {} inbound message(s); trying again in 5 s: {}", batch.size(), ex.getMessage());
            batch.stream().filter(dead -> dead.channel().isOpen()).forEach(deadLettersDue::add);
            if (ex instanceof ConfirmedPublisher.Unroutable && !stopping) {
                redeclare();
            }
            deadLettersRetrying = true;
            acks.schedule(() -> {
                deadLettersRetrying = false;
                publishDeadLetters();
            }, 5, TimeUnit.SECONDS);
        }
    }

    /** {@value RabbitNames#INBOUND_DEAD} declared again as at start: someone deleted it. */
    private void redeclare() {
        try {
            admin.declareQueue(RabbitNames.deadLetters());
            log.warn("Declared {} again: it was gone", RabbitNames.INBOUND_DEAD);
        }
        catch (RuntimeException unreachable) {
            log.debug("Could not declare {} again: {}", RabbitNames.INBOUND_DEAD, unreachable.getMessage());
        }
    }

    private static ScheduledThreadPoolExecutor scheduler(String name) {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name(name).factory());
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // at shutdown, RabbitMQ keeps what is unacknowledged
        return scheduler;
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    /** Set as the instance stops: what fails from then on failed because of it, and is left to RabbitMQ. */
    private volatile boolean stopping;

    @EventListener
    void on(ContextClosedEvent closing) {
        stopping = true;
    }

    @PreDestroy
    void stop() throws InterruptedException {
        stopping = true;
        retries.shutdownNow();
        acks.shutdown();
        acks.awaitTermination(5, TimeUnit.SECONDS);
        deadLetters.close();
    }

    record Inbound(@Nullable Long roomId, @Nullable String username, @Nullable String content,
            @Nullable String clientMessageId) {
    }

    private record DeadLetter(Message message, Channel channel, long tag, String reason) {

        Outgoing outgoing() {
            return new Outgoing(RabbitNames.INBOUND_DEAD, message.getBody(), Map.of(RabbitNames.ERROR_HEADER, reason));
        }
    }

    private static final class Unusable extends Exception {
        Unusable(String reason) {
            super(reason);
        }
    }
}
