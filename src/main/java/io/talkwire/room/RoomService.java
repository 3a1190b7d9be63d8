package io.talkwire.room;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.talkwire.RateLimiter;
import io.talkwire.TalkwireProperties;
import io.talkwire.Text;
import io.talkwire.auth.UserService;
import io.talkwire.room.Room.Kind;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.server.ResponseStatusException;

/** Rooms and their members, and the one place that answers "may user U read room R?". */
@Service
public class RoomService {

    /**
     * Rooms as {@code :user} sees them, in one statement however many rooms: the unread count is an index range scan
     * of each room's messages above the user's marker (messages are unique by room and seq). Only members have a
     * marker: a PUBLIC room read without joining it counts nothing unread.
     */
    private static final String ROOM_VIEW = """
            SELECT r.id, r.name, r.kind, r.owner, r.last_seq, r.created_at,
                   (SELECT count(*) FROM room_members m WHERE m.room_id = r.id) AS member_count,
                   (SELECT count(DISTINCT p.username) FROM presence p WHERE p.room_id = r.id) AS online_count,
                   coalesce(me.last_read_seq, 0) AS last_read_seq,
                   CASE WHEN me.username IS NULL THEN 0 ELSE
                       (SELECT count(*) FROM messages msg WHERE msg.room_id = r.id AND msg.seq > me.last_read_seq
                           AND msg.sender <> :user AND NOT msg.deleted) END AS unread_count
            FROM rooms r LEFT JOIN room_members me ON me.room_id = r.id AND me.username = :user
            """;

    /** A row of {@link #ROOM_VIEW}, by hand, as {@code MessageStore.ROW} and for the same reason (its timestamp). */
    private static final RowMapper<Room> ROOM = RoomService::room;

    private static final String READABLE = readable(":user");

    private final JdbcClient jdbc;

    private final UserService users;

    private final ApplicationEventPublisher events;

    /** Rooms each user may still create: a room is a row every user's room list carries. */
    private final RateLimiter creations;

    RoomService(JdbcClient jdbc, UserService users, ApplicationEventPublisher events, TalkwireProperties properties) {
        this.jdbc = jdbc;
        this.users = users;
        this.events = events;
        this.creations = properties.limits().hourly(properties.limits().roomsPerHour());
    }

    @Transactional
    public Room create(String owner, @Nullable String name, @Nullable String kind) {
        String trimmed = name == null ? "" : name.strip();
        if (trimmed.isEmpty() || trimmed.codePointCount(0, trimmed.length()) > 100 || !Text.storable(trimmed)) {
            throw badRequest("name must be 1 to 100 characters, without U+0000 or lone surrogates");
        }
        if (!"PUBLIC".equals(kind) && !"PRIVATE".equals(kind)) {
            throw badRequest("kind must be PUBLIC or PRIVATE");
        }
        // only a room that may be created is counted
        if (!creations.tryAcquire(owner)) {
            throw new ResponseStatusException(HttpStatus.TOO_MANY_REQUESTS, "too many rooms created: try again later");
        }
        long id = jdbc.sql("INSERT INTO rooms (name, kind, owner) VALUES (?, ?, ?) RETURNING id")
            .params(trimmed, kind, owner)
            .query(Long.class)
            .single();
        insertMember(id, owner, "OWNER");
        return find(id, owner).orElseThrow();
    }

    static final int MAX_PAGE = 500;

    /** The rooms {@code user} may read with ids above {@code after}, by ascending id: all, or up to {@code limit}. */
    public List<Room> visibleTo(String user, @Nullable Integer limit, long after) {
        if (limit != null && (limit < 1 || limit > MAX_PAGE)) {
            throw badRequest("limit must be 1 to " + MAX_PAGE);
        }
        // LIMIT NULL is no limit
        return jdbc.sql(ROOM_VIEW + " WHERE r.id > :after AND " + READABLE + " ORDER BY r.id LIMIT CAST(:limit AS integer)")
            .param("user", user)
            .param("after", after)
            .param("limit", limit)
            .query(ROOM)
            .list();
    }

    /** The room if {@code user} may read it; 404 otherwise, so that private rooms do not leak. */
    public Room get(long roomId, String user) {
        return readable(roomId, user).orElseThrow(() -> notFound(roomId));
    }

    private Optional<Room> readable(long roomId, String user) {
        return jdbc.sql(ROOM_VIEW + " WHERE r.id = :id AND " + READABLE)
            .param("id", roomId)
            .param("user", user)
            .query(ROOM)
            .optional();
    }

    /**
     * SQL that holds when room {@code r} is readable by {@code user} (a parameter or a column): never by a user banned
     * from it; PUBLIC rooms by anyone else, PRIVATE and DIRECT rooms by their members only. Reading,
     * subscribing, sending and searching share this rule.
     */
    public static String readable(String user) {
        return "(NOT EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = r.id AND b.username = " + user + ")"
                + " AND (r.kind = 'PUBLIC' OR EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = r.id AND m.username = "
                + user + ")))";
    }

    /** Of these readers of rooms, those who may no longer read theirs (removed, banned, or the room gone). */
    public List<Reader> unreadable(Set<Reader> readers) {
        if (readers.isEmpty()) {
            return List.of();
        }
        Long[] roomIds = readers.stream().map(Reader::roomId).toArray(Long[]::new);
        String[] usernames = readers.stream().map(Reader::username).toArray(String[]::new);
        return jdbc.sql("SELECT p.room_id, p.username FROM unnest(?::bigint[], ?::varchar[]) AS p(room_id, username)"
                + " WHERE NOT EXISTS (SELECT 1 FROM rooms r WHERE r.id = p.room_id AND " + readable("p.username") + ")")
            .params(roomIds, usernames)
            .query((rs, row) -> new Reader(rs.getLong("room_id"), rs.getString("username")))
            .list();
    }

    /** A user who reads a room (a live subscription, say). */
    public record Reader(long roomId, String username) {
    }

    /**
     * Locks the room's row until the transaction ends: a ban and a join of the same room happen one after the other,
     * so that nobody is left both banned and a member.
     */
    void lock(long roomId) {
        jdbc.sql("SELECT id FROM rooms WHERE id = ? FOR UPDATE").param(roomId).query(Long.class).optional();
    }

    public boolean canRead(long roomId, String user) {
        return readableLastSeq(roomId, user).isPresent();
    }

    /** The room's {@code lastSeq} if {@code user} may read it; empty otherwise. */
    public Optional<Long> readableLastSeq(long roomId, String user) {
        return jdbc.sql("SELECT r.last_seq FROM rooms r WHERE r.id = :id AND " + READABLE)
            .param("id", roomId)
            .param("user", user)
            .query(Long.class)
            .optional();
    }

    /** 404 unless {@code user} may read (and so send to) the room. */
    public void checkReadable(long roomId, String user) {
        if (!canRead(roomId, user)) {
            throw notFound(roomId);
        }
    }

    /** PUBLIC: a user adds themself. PRIVATE: the owner adds anyone. DIRECT rooms keep their two members. */
    @Transactional
    public void addMember(long roomId, String actor, String username) {
        lock(roomId);
        String target = existingUser(username);
        if (target.equals(actor) && isBanned(roomId, actor)) {
            // the room is no secret to them: they were in it
            throw new ResponseStatusException(HttpStatus.FORBIDDEN, "you are banned from room " + roomId);
        }
        // a PRIVATE room's owner who left it is no reader, yet may add themself back: nobody else could
        Room room = readable(roomId, actor)
            .or(() -> find(roomId, actor).filter(own -> own.kind() == Kind.PRIVATE && actor.equals(own.owner())
                    && target.equals(actor)))
            .orElseThrow(() -> notFound(roomId));
        boolean allowed = switch (room.kind()) {
            case PUBLIC -> target.equals(actor);
            case PRIVATE -> actor.equals(room.owner());
            case DIRECT -> false;
        };
        if (allowed && isBanned(roomId, target)) {
            throw new ResponseStatusException(HttpStatus.FORBIDDEN, target + " is banned from room " + roomId);
        }
        if (!allowed) {
            throw new ResponseStatusException(HttpStatus.FORBIDDEN, switch (room.kind()) {
                case PUBLIC -> "in a PUBLIC room users add themselves";
                case PRIVATE -> "only the owner adds members to a PRIVATE room";
                case DIRECT -> "a DIRECT room has exactly its two members";
            });
        }
        // an owner who left and comes back is its owner still
        String role = target.equals(room.owner()) ? "OWNER" : "MEMBER";
        if (insertMember(roomId, target, role) && room.kind() == Kind.PRIVATE) {
            events.publishEvent(new MembershipChanged(roomId, target, true));
        }
    }

    /** Anyone removes themself; the owner removes anyone. */
    @Transactional
    public void removeMember(long roomId, String actor, String username) {
        Room room = get(roomId, actor);
        String target = existingUser(username);
        if (!target.equals(actor) && !actor.equals(room.owner())) {
            throw new ResponseStatusException(HttpStatus.FORBIDDEN, "only the owner removes other members");
        }
        int removed = jdbc.sql("DELETE FROM room_members WHERE room_id = ? AND username = ?")
            .params(roomId, target)
            .update();
        if (removed == 0) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, target + " is not a member of room " + roomId);
        }
        events.publishEvent(new MembershipChanged(roomId, target, false));
    }

    public List<Member> members(long roomId, String user) {
        checkReadable(roomId, user);
        return jdbc.sql("""
                SELECT m.username, m.role,
                       EXISTS (SELECT 1 FROM presence p WHERE p.room_id = m.room_id AND p.username = m.username) AS online,
                       m.last_read_seq
                FROM room_members m WHERE m.room_id = ? ORDER BY m.role DESC, m.username
                """)
            .param(roomId)
            .query(Member.class)
            .list();
    }

    /**
     * The DIRECT room of two users: the same room whoever asks first. Both are its members when it is created; later,
     * the one who opens it is a member again if they had left it (the other, who may have left it on purpose, is not
     * added back). Each hears of it when they become a member.
     */
    @Transactional
    public Room openDirect(String actor, String username) {
        String other = existingUser(username);
        if (other.equals(actor)) {
            throw badRequest("a direct chat needs another user");
        }
        String key = actor.compareTo(other) < 0 ? actor + ":" + other : other + ":" + actor;
        Optional<Long> created = jdbc.sql("""
                INSERT INTO rooms (name, kind, direct_key) VALUES (?, 'DIRECT', ?)
                ON CONFLICT (direct_key) DO NOTHING RETURNING id
                """)
            .params(key.replace(":", " & "), key)
            .query(Long.class)
            .optional();
        long id = created.orElseGet(() -> jdbc.sql("SELECT id FROM rooms WHERE direct_key = ?")
            .param(key)
            .query(Long.class)
            .single());
        List<String> members = created.isPresent() ? List.of(actor, other) : List.of(actor);
        for (String member : members) {
            if (insertMember(id, member, "MEMBER")) {
                events.publishEvent(new MembershipChanged(id, member, true));
            }
        }
        return find(id, actor).orElseThrow();
    }

    /** The room as {@code user} sees it, whether or not they may read it. */
    public Optional<Room> find(long roomId, String user) {
        return jdbc.sql(ROOM_VIEW + " WHERE r.id = :id").param("id", roomId).param("user", user).query(ROOM).optional();
    }

    boolean isBanned(long roomId, String username) {
        return jdbc.sql("SELECT count(*) FROM room_bans WHERE room_id = ? AND username = ?")
            .params(roomId, username)
            .query(Long.class)
            .single() > 0;
    }

    private boolean insertMember(long roomId, String username, String role) {
        return jdbc.sql("INSERT INTO room_members (room_id, username, role) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
            .params(roomId, username, role)
            .update() > 0;
    }

    String existingUser(String username) {
        return users.find(username)
            .map(UserService.User::username)
            .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no user '" + username + "'"));
    }

    static ResponseStatusException notFound(long roomId) {
        return new ResponseStatusException(HttpStatus.NOT_FOUND, "room " + roomId + " not found");
    }

    private static ResponseStatusException badRequest(String detail) {
        return new ResponseStatusException(HttpStatus.BAD_REQUEST, detail);
    }

    private static Room room(ResultSet rs, int row) throws SQLException {
        return new Room(rs.getLong("id"), rs.getString("name"), Kind.valueOf(rs.getString("kind")),
                rs.getString("owner"), rs.getLong("member_count"), rs.getLong("online_count"), rs.getLong("last_seq"),
                rs.getTimestamp("created_at").toInstant(), rs.getLong("last_read_seq"), rs.getLong("unread_count"));
    }

    public record Member(String username, String role, boolean online, long lastReadSeq) {
    }
}
