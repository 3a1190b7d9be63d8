package io.talkwire.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario 4, persistence: 20 senders, each keeping up to {@code window} SENDs awaiting their RECEIPT (sent after the
 * commit), into one room and into 20 rooms, against 20 JDBC threads inserting rows into the same table, one commit
 * per row. Afterwards every receipted message must be found in PostgreSQL.
 */
final class PersistenceScenario {

    private final int seconds;

    private final int window;

    private final String jdbcUrl;

    PersistenceScenario(int seconds, int window, String jdbcUrl) {
        this.seconds = seconds;
        this.window = window;
        this.jdbcUrl = jdbcUrl;
    }

    /** Measures and reports, as {@code target}'s user. */
    void run(Talkwire target, Report report) throws Exception {
        Map<String, Object> oneRoom = measureReceipts(target, 1);
        Map<String, Object> manyRooms = measureReceipts(target, 20);
        Map<String, Object> jdbcOne = measureJdbcInserts(target, 1);
        Map<String, Object> jdbcMany = measureJdbcInserts(target, 20);
        report.put("persistence", Map.of("talkwireOneRoom", oneRoom, "talkwireManyRooms", manyRooms,
                "jdbcOneRoom", jdbcOne, "jdbcManyRooms", jdbcMany));
        report.line("## 4. Persistence (20 senders, each with up to " + oneRoom.get("window")
                + " SENDs awaiting their RECEIPT, i.e. the commit; 20 JDBC threads)\n");
        report.line("| | Talkwire receipted msg/s | plain JDBC insert loop rows/s | ratio |\n|---|---|---|---|");
        report.row("one room", oneRoom.get("perSecond"), jdbcOne.get("perSecond"));
        report.row("20 rooms", manyRooms.get("perSecond"), jdbcMany.get("perSecond"));
        report.line("\nReceipted but not found in PostgreSQL afterwards: " + oneRoom.get("receiptedButNotStored")
                + " (one room), " + manyRooms.get("receiptedButNotStored") + " (20 rooms).");
        report.line("");
    }

    /**
     * {@link ReceiptedSenders} for {@code seconds} (connected first). Afterwards every receipted clientMessageId must
     * be found in PostgreSQL: a RECEIPT means committed.
     */
    private Map<String, Object> measureReceipts(Talkwire target, int rooms) throws Exception {
        List<String> roomIds = target.newRooms(rooms);
        Set<String> receipted;
        try (ReceiptedSenders senders = new ReceiptedSenders(target, roomIds, window)) {
            receipted = senders.sendFor(seconds);
        }
        Set<String> stored = StoredMessages.clientMessageIds(jdbcUrl, roomIds);
        long receiptedAndStored = receipted.stream().filter(stored::contains).count();
        return Map.of("receipted", receipted.size(), "perSecond", Math.round(receipted.size() / (double) seconds),
                "window", window, "receiptedButNotStored", receipted.size() - receiptedAndStored);
    }

    /** The baseline: the same table, plain autocommitted INSERTs from as many threads, no Talkwire in between. */
    private Map<String, Object> measureJdbcInserts(Talkwire target, int rooms) throws Exception {
        List<Long> roomIds = target.newRooms(rooms).stream().map(Long::parseLong).toList();
        AtomicLong inserted = new AtomicLong();
        AtomicLong seq = new AtomicLong(1_000_000);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ReceiptedSenders.onThreads(ReceiptedSenders.SENDERS,
                t -> () -> insertUntil(end, roomIds.get(t % rooms), target.username(), seq, inserted), seconds + 60L);
        return Map.of("inserted", inserted.get(), "perSecond", Math.round(inserted.get() / (double) seconds));
    }

    private void insertUntil(long end, long room, String sender, AtomicLong seq, AtomicLong inserted) {
        try (Connection db = StoredMessages.connect(jdbcUrl);
                PreparedStatement insert = db.prepareStatement("INSERT INTO messages (id, room_id, seq, sender, "
                        + "content, client_message_id, sent_at) VALUES (?, ?, ?, ?, ?, ?, now())")) {
            while (System.nanoTime() < end) {
                insert.setObject(1, UUID.randomUUID());
                insert.setLong(2, room);
                insert.setLong(3, seq.incrementAndGet());
                insert.setString(4, sender);
                insert.setString(5, "jdbc baseline");
                insert.setString(6, UUID.randomUUID().toString());
                insert.executeUpdate();
                inserted.incrementAndGet();
            }
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }
}
