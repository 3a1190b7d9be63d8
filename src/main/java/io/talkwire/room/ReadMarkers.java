package io.talkwire.room;

import java.util.Optional;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.server.ResponseStatusException;

/**
 * How far each member has read a room. A marker only moves forward, and never past the room's last message; when it
 * moves, the member's other sessions hear of it ({@link MarkerMoved}, sent as {@code READ}).
 */
@Service
class ReadMarkers {

    private final JdbcClient jdbc;

    private final RoomService rooms;

    private final ApplicationEventPublisher events;

    ReadMarkers(JdbcClient jdbc, RoomService rooms, ApplicationEventPublisher events) {
        this.jdbc = jdbc;
        this.rooms = rooms;
        this.events = events;
    }

    /** Readers of a PUBLIC room who are not members have no marker to keep: nothing changes for them. */
    @Transactional
    void markRead(long roomId, String user, long seq) {
        if (seq < 0) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "seq must be 0 or more");
        }
        rooms.checkReadable(roomId, user);
        Optional<Long> moved = jdbc.sql("""
                UPDATE room_members m SET last_read_seq = least(?, r.last_seq)
                FROM rooms r
                WHERE r.id = m.room_id AND m.room_id = ? AND m.username = ? AND m.last_read_seq < least(?, r.last_seq)
                RETURNING m.last_read_seq
                """)
            .params(seq, roomId, user, seq)
            .query(Long.class)
            .optional();
        moved.ifPresent(marker -> events.publishEvent(new MarkerMoved(roomId, user, marker)));
    }
}
