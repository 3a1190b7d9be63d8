package io.talkwire.chat;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

import io.talkwire.RateLimiter;
import io.talkwire.Text;
import io.talkwire.room.RoomService;
import org.jspecify.annotations.Nullable;

import org.springframework.dao.QueryTimeoutException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.web.server.ResponseStatusException;

/**
 * Full-text search over the messages a user may read (docs/protocol.md, Search). PostgreSQL's {@code simple} text
 * search configuration on the GIN index {@code messages_search} (V5__search.sql): words are lower-cased and kept
 * whole, so every language is found alike. The query text is only ever whole words looked up in that index, never a
 * pattern or an operator, and what one search may cost is bounded besides: its length, a rate per user, a number
 * running at once and a timeout.
 */
@Service
class MessageSearch {

    static final int DEFAULT_LIMIT = 20;

    static final int MAX_LIMIT = 100;

    /** Characters (code points) of {@code q} after trimming: a query of a hundred words at most. */
    static final int MAX_QUERY = 200;

    /** Searches one user may make per second, sustained, on one instance (token bucket). */
    static final double SEARCHES_PER_SECOND = 5;

    /** Searches one user may make at once, on one instance (bucket size). */
    static final int SEARCH_BURST = 30;

    /**
     * A search that matches a great part of all messages (a very common word) ranks every match; past this many
     * seconds PostgreSQL cancels it, so that it cannot hold a connection for long.
     */
    static final int TIMEOUT_SECONDS = 5;

    /**
     * Searches running at once on one instance: however many users search for common words, most of the connection
     * pool stays free for sending, which must not wait behind them.
     */
    static final int MAX_RUNNING = 2;

    /**
     * The messages of readable rooms that contain every word of {@code :q}, best first. The match uses exactly the
     * expression of the index {@code messages_search}, {@code to_tsvector('simple', content)}, or PostgreSQL could
     * not use it; {@code plainto_tsquery} reads the text as plain words joined by AND and never fails on operator
     * characters ({@code & | ! : * ' \}), unlike {@code to_tsquery}. Ties (equal rank) go newest first. Who may read
     * which room is {@link RoomService#readable}'s rule (the first {@code %s}), as for history and sending; the
     * second is the room filter: empty, or {@link #IN_ROOM}.
     */
    private static final String SQL = """
            SELECT msg.id, msg.room_id, msg.seq, msg.sender, msg.content, msg.client_message_id, msg.sent_at,
                   msg.edited_at, msg.deleted,
                   ts_rank(to_tsvector('simple', msg.content), plainto_tsquery('simple', :q)) AS rank
            FROM messages msg JOIN rooms r ON r.id = msg.room_id
            WHERE to_tsvector('simple', msg.content) @@ plainto_tsquery('simple', :q)
              AND NOT msg.deleted
              AND %s
              %s
            ORDER BY rank DESC, msg.sent_at DESC, msg.room_id, msg.seq DESC
            LIMIT :limit
            """;

    private static final String IN_ROOM = "AND msg.room_id = :roomId";

    /** The search over all readable rooms; parameters {@code :q}, {@code :user}, {@code :limit}. */
    static final String SEARCH = SQL.formatted(RoomService.readable(":user"), "");

    /** {@link #SEARCH} narrowed to one room, parameter {@code :roomId} besides. */
    static final String SEARCH_IN_ROOM = SQL.formatted(RoomService.readable(":user"), IN_ROOM);

    private final JdbcClient jdbc;

    private final RoomService rooms;

    /**
     * Each search ranks every match in PostgreSQL: a bucket per user keeps one user from keeping the database busy
     * (on one instance; each instance keeps its own buckets).
     */
    private final RateLimiter searchesPerUser = new RateLimiter(SEARCHES_PER_SECOND, SEARCH_BURST);

    private final Semaphore running = new Semaphore(MAX_RUNNING);

    /** Users with a search running on this instance: one each, so no user holds every place in {@link #running}. */
    private final Set<String> searching = ConcurrentHashMap.newKeySet();

    MessageSearch(JdbcClient jdbc, RoomService rooms) {
        this.jdbc = jdbc;
        this.rooms = rooms;
    }

    /**
     * The messages {@code reader} may read that contain every word of {@code q}, best match first. Bad input is
     * refused before it costs a token of the reader's bucket or reaches the database.
     */
    List<SearchHit> search(String reader, @Nullable String q, @Nullable Long roomId, @Nullable Integer limit) {
        String words = q == null ? "" : q.strip();
        if (words.isEmpty()) {
            throw badRequest("q must contain at least one word");
        }
        int length = words.codePointCount(0, words.length());
        if (length > MAX_QUERY) {
            throw badRequest("q must be at most " + MAX_QUERY + " characters after trimming, it has " + length);
        }
        if (!Text.storable(words)) {
            // PostgreSQL could not even receive it: refused here rather than failing there
            throw badRequest("q must not contain U+0000 or a lone surrogate (not valid Unicode text)");
        }
        int size = limit == null ? DEFAULT_LIMIT : limit;
        if (size < 1 || size > MAX_LIMIT) {
            throw badRequest("limit must be 1 to " + MAX_LIMIT);
        }
        if (!searching.add(reader)) {
            throw new ResponseStatusException(HttpStatus.TOO_MANY_REQUESTS,
                    "a search of yours is still running: wait for its answer, then search again");
        }
        try {
            return run(reader, words, roomId, size);
        }
        finally {
            searching.remove(reader);
        }
    }

    private List<SearchHit> run(String reader, String words, @Nullable Long roomId, int size) {
        if (!searchesPerUser.tryAcquire(reader)) {
            throw new ResponseStatusException(HttpStatus.TOO_MANY_REQUESTS,
                    "too many searches: at most " + SEARCH_BURST + " at once and " + (int) SEARCHES_PER_SECOND
                            + " a second after that; search again a little later");
        }
        JdbcClient.StatementSpec statement;
        if (roomId == null) {
            statement = jdbc.sql(SEARCH);
        }
        else {
            // 404 as for history: a room I may not read is one that does not exist
            rooms.checkReadable(roomId, reader);
            statement = jdbc.sql(SEARCH_IN_ROOM).param("roomId", roomId);
        }
        if (!running.tryAcquire()) {
            throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE,
                    "too many searches running at once: search again in a moment");
        }
        try {
            return statement.param("q", words)
                .param("user", reader)
                .param("limit", size)
                .withQueryTimeout(TIMEOUT_SECONDS)
                .query(MessageSearch::hit)
                .list();
        }
        catch (QueryTimeoutException ex) {
            throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE,
                    "the search matched too many messages to rank in time: add a rarer word, or give roomId");
        }
        finally {
            running.release();
        }
    }

    private static SearchHit hit(ResultSet rs, int row) throws SQLException {
        ChatMessage m = MessageStore.ROW.mapRow(rs, row);
        return new SearchHit(m.id(), m.roomId(), m.seq(), m.sender(), m.content(), m.clientMessageId(), m.sentAt(),
                m.editedAt(), m.deleted(), rs.getDouble("rank"));
    }

    private static ResponseStatusException badRequest(String detail) {
        return new ResponseStatusException(HttpStatus.BAD_REQUEST, detail);
    }

    /**
     * A found message: the fields of {@code Message} (docs/protocol.md) and its {@code rank}, higher for a better
     * match. Its own record rather than {@link ChatMessage}, so that search answers with the whole contract shape
     * whatever ChatMessage carries. {@code deleted} is always false: deleted messages are never found.
     */
    record SearchHit(String id, long roomId, long seq, String sender, String content, @Nullable String clientMessageId,
            Instant sentAt, @Nullable Instant editedAt, boolean deleted, double rank) {
    }
}
