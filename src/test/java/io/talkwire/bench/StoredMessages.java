package io.talkwire.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What PostgreSQL holds of some rooms' messages (table {@code messages}), read with JDBC behind Talkwire's back: the
 * check after scenario 4, and scenario 6's wait until every inbound message is committed.
 */
final class StoredMessages {

    private StoredMessages() {
    }

    /** The clientMessageIds of every message of the rooms. */
    static Set<String> clientMessageIds(String jdbcUrl, List<String> roomIds) throws Exception {
        Set<String> stored = new HashSet<>();
        try (Connection db = connect(jdbcUrl);
                PreparedStatement select = inRooms(db, "SELECT client_message_id FROM messages", roomIds);
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                stored.add(rows.getString(1));
            }
        }
        return stored;
    }

    /**
     * Until the rooms hold {@code expected} messages, counted every {@code pollMillis} on one connection; gives up
     * once the count has not moved for {@code stallSeconds}.
     *
     * @return the count last read: {@code expected} or more, unless it gave up
     */
    static long awaitCount(String jdbcUrl, List<String> roomIds, long expected, long pollMillis, long stallSeconds)
            throws Exception {
        try (Connection db = connect(jdbcUrl)) {
            long count = count(db, roomIds);
            long movedAt = System.nanoTime();
            while (count < expected && System.nanoTime() - movedAt < TimeUnit.SECONDS.toNanos(stallSeconds)) {
                Thread.sleep(pollMillis);
                long now = count(db, roomIds);
                if (now != count) {
                    count = now;
                    movedAt = System.nanoTime();
                }
            }
            return count;
        }
    }

    private static long count(Connection db, List<String> roomIds) throws Exception {
        try (PreparedStatement select = inRooms(db, "SELECT count(*) FROM messages", roomIds);
                ResultSet rows = select.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }

    static Connection connect(String jdbcUrl) throws Exception {
        return DriverManager.getConnection(jdbcUrl, "talkwire", "talkwire");
    }

    /** {@code select} narrowed to the rooms' rows. */
    private static PreparedStatement inRooms(Connection db, String select, List<String> roomIds) throws Exception {
        PreparedStatement statement = db.prepareStatement(select + " WHERE room_id = ANY (?)");
        statement.setArray(1, db.createArrayOf("bigint", roomIds.stream().map(Long::valueOf).toArray()));
        return statement;
    }
}
