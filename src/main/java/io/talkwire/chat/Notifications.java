package io.talkwire.chat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.talkwire.BatchWorker;
import io.talkwire.chat.ChatEvents.MessageEvent;
import io.talkwire.chat.ConfirmedPublisher.Outgoing;
import io.talkwire.room.RoomEvent;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import tools.jackson.databind.json.JsonMapper;

/**
 * Push notifications for people who are not looking: for every committed message of a DIRECT room, and every
 * mention ({@link Mentions}' rule), each recipient with no live subscription to the room on any instance (the
 * presence table) gets one persistent message on {@value RabbitNames#NOTIFICATIONS}, routing key
 * {@code user.{username}}, published with a publisher confirm. A push service binds its own queue there.
 * <p>
 * Worked off the committer's thread, in commit order, on a thread of its own that takes what is waiting as one batch:
 * one query for the batch's rooms that may notify anyone (none if no message of the batch is in a DIRECT room or holds
 * an '@'), then every notification of the batch published with one wait for RabbitMQ's confirms. While PostgreSQL or
 * RabbitMQ is away, each step is tried {@value #ATTEMPTS} times, then the batch is dropped with a warning; the messages
 * themselves are in history either way.
 */
@Component
class Notifications {

    private static final Logger log = LoggerFactory.getLogger(Notifications.class);

    static final int PREVIEW = 100;

    private static final int ATTEMPTS = 3;

    private static final int MAX_BACKLOG = 10_000;

    private static final int MAX_BATCH = 256;

    private static final int MAX_KNOWN_ROOMS = 100_000;

    private final JdbcClient jdbc;

    private final JsonMapper json;

    private final ConfirmedPublisher publisher;

    /** Room id → whether it is a DIRECT room (kinds never change). */
    private final Map<Long, Boolean> direct = new ConcurrentHashMap<>();

    /** One thread, in commit order: a batch's notifications are published together, with one wait for confirms. */
    private final BatchWorker<Pending> thread = new BatchWorker<>("talkwire-notifications", 1, MAX_BATCH, this::notifyBatch,
            Pending::done);

    Notifications(JdbcClient jdbc, JsonMapper json, ConnectionFactory connectionFactory) {
        this.jdbc = jdbc;
        this.json = json;
        this.publisher = new ConfirmedPublisher(connectionFactory, false);
    }

    /** Never throws: the message is committed, and its committer goes on with the rest of its batch. */
    @EventListener
    void on(RoomEvent event) {
        if (!(event.payload() instanceof MessageEvent committed)) {
            return;
        }
        if (thread.backlog() >= MAX_BACKLOG) {
            log.warn("Dropped the notifications of message {} of room {} (backlog full)", committed.message().seq(),
                    committed.message().roomId());
            return;
        }
        thread.submit(new Pending(committed.message(), new CompletableFuture<>()));
    }

    private void notifyBatch(List<Pending> batch) {
        Map<Long, List<ChatMessage>> byRoom = new LinkedHashMap<>();
        batch.forEach(pending -> byRoom.computeIfAbsent(pending.message().roomId(), room -> new ArrayList<>()).add(pending.message()));
        publish(recipients(byRoom));
        batch.forEach(pending -> pending.done().complete(null));
    }

    /**
     * As {@link #find}, tried {@value #ATTEMPTS} times while PostgreSQL is away; then, or at once for any other failure
     * (which would only fail again), the batch notifies nobody.
     */
    private List<Notification> recipients(Map<Long, List<ChatMessage>> byRoom) {
        for (int attempt = 1; ; attempt++) {
            try {
                return find(byRoom);
            }
            catch (DataAccessException ex) {
                if (attempt == ATTEMPTS || !InboundQueue.mayPass(ex)) {
                    log.warn("Could not find whom to notify of the messages of {} rooms: {}", byRoom.size(), ex.getMessage());
                    return List.of();
                }
                pause(attempt);
            }
        }
    }

    /**
     * Whom to notify of a batch's messages, room by room in their order: their offline recipients, found with one query
     * for the whole batch (none if no message could notify anyone): every member of its DIRECT rooms, and the mentioned
     * members of its other rooms.
     */
    private List<Notification> find(Map<Long, List<ChatMessage>> byRoom) {
        List<Notification> due = new ArrayList<>();
        if (direct.size() > MAX_KNOWN_ROOMS) {
            direct.clear(); // a cache: read again as needed
        }
        Map<ChatMessage, Collection<List<String>>> mentionsOf = new LinkedHashMap<>();
        Set<Long> directRooms = new HashSet<>();
        List<Long> lookupRooms = new ArrayList<>();
        List<String> lookupNames = new ArrayList<>();
        byRoom.forEach((roomId, messages) -> {
            boolean isDirect = direct.computeIfAbsent(roomId, this::isDirect);
            if (isDirect) {
                directRooms.add(roomId);
            }
            Set<String> names = new HashSet<>();
            for (ChatMessage message : messages) {
                Collection<List<String>> mentions = Mentions.find(message.content());
                mentionsOf.put(message, mentions);
                names.addAll(Mentions.lookups(mentions, message.sender()));
            }
            if (!isDirect) {
                names.forEach(name -> {
                    lookupRooms.add(roomId);
                    lookupNames.add(name);
                });
            }
        });
        if (directRooms.isEmpty() && lookupRooms.isEmpty()) {
            return due;
        }
        Map<Long, Map<String, Boolean>> online = onlineMembers(directRooms, lookupRooms, lookupNames);
        mentionsOf.forEach((message, mentions) -> {
            Map<String, Boolean> roomOnline = online.getOrDefault(message.roomId(), Map.of());
            boolean isDirect = directRooms.contains(message.roomId());
            Set<String> members = new HashSet<>(roomOnline.keySet());
            members.remove(message.sender());
            Set<String> mentioned = Mentions.mentioned(mentions, message.sender(), members);
            members.forEach(user -> {
                if (!roomOnline.get(user) && (isDirect || mentioned.contains(user))) {
                    due.add(new Notification(user, message, mentioned.contains(user)));
                }
            });
        });
        return due;
    }

    /**
     * Room → member → whether online on any instance, for every member of the DIRECT rooms and the named members of the
     * other rooms (room and name pairwise): one statement.
     */
    private Map<Long, Map<String, Boolean>> onlineMembers(Set<Long> directRooms, List<Long> lookupRooms,
            List<String> lookupNames) {
        Map<Long, Map<String, Boolean>> online = new HashMap<>();
        jdbc.sql("""
                WITH wanted AS (
                    SELECT m.room_id, m.username FROM room_members m WHERE m.room_id = ANY(?::bigint[])
                    UNION
                    SELECT m.room_id, m.username
                    FROM room_members m
                    JOIN unnest(?::bigint[], ?::varchar[]) AS w(room_id, username)
                      ON m.room_id = w.room_id AND m.username = w.username
                )
                SELECT w.room_id, w.username,
                       EXISTS (SELECT 1 FROM presence p WHERE p.room_id = w.room_id AND p.username = w.username) AS online
                FROM wanted w
                """)
            .params(directRooms.toArray(Long[]::new), lookupRooms.toArray(Long[]::new), lookupNames.toArray(String[]::new))
            .query((rs, row) -> online.computeIfAbsent(rs.getLong("room_id"), room -> new HashMap<>())
                .put(rs.getString("username"), rs.getBoolean("online")))
            .list();
        return online;
    }

    private boolean isDirect(long roomId) {
        return jdbc.sql("SELECT kind = 'DIRECT' FROM rooms WHERE id = ?").param(roomId).query(Boolean.class).single();
    }

    private void publish(List<Notification> due) {
        if (due.isEmpty()) {
            return;
        }
        List<Outgoing> messages = due.stream()
            .map(n -> new Outgoing("user." + n.username(), json.writeValueAsBytes(n), Map.of()))
            .toList();
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                publisher.publishAll(RabbitNames.NOTIFICATIONS, messages);
                return;
            }
            catch (IOException ex) {
                if (attempt == ATTEMPTS) {
                    log.warn("Dropped {} notifications, the first for {} of message {} of room {}: {}", due.size(),
                            due.getFirst().username(), due.getFirst().seq(), due.getFirst().roomId(), ex.getMessage());
                    return;
                }
                pause(attempt);
            }
        }
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(TimeUnit.SECONDS.toMillis(attempt));
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /** Publishes what is still waiting, for a few seconds at most. */
    @PreDestroy
    void stop() {
        thread.stop();
        publisher.close();
    }

    /** A committed message whose notifications are still to be sent. */
    private record Pending(ChatMessage message, CompletableFuture<Void> done) {
    }

    /** {@code {"type":"NOTIFICATION","username","roomId","seq","from","preview","mention"}}. */
    record Notification(String type, String username, long roomId, long seq, String from, String preview,
            boolean mention) {

        Notification(String username, ChatMessage message, boolean mention) {
            this("NOTIFICATION", username, message.roomId(), message.seq(), message.sender(), preview(message.content()),
                    mention);
        }

        private static String preview(String content) {
            return content.codePointCount(0, content.length()) <= PREVIEW ? content
                    : content.substring(0, content.offsetByCodePoints(0, PREVIEW));
        }
    }
}
