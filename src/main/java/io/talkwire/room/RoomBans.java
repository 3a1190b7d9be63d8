package io.talkwire.room;

import java.time.Instant;
import java.util.List;

import io.talkwire.room.Room.Kind;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.server.ResponseStatusException;

/**
 * Bans: the owner of a PUBLIC or PRIVATE room keeps a user out of it. A ban removes the user as DELETE members does
 * (ROOM_REMOVED, live subscriptions ended on every instance), and {@link RoomService#readable} refuses them the room
 * from then on: history, subscriptions, sends, search and joining again.
 */
@Service
class RoomBans {

    private final JdbcClient jdbc;

    private final RoomService rooms;

    private final ApplicationEventPublisher events;

    RoomBans(JdbcClient jdbc, RoomService rooms, ApplicationEventPublisher events) {
        this.jdbc = jdbc;
        this.rooms = rooms;
        this.events = events;
    }

    @Transactional
    void ban(long roomId, String actor, String username) {
        rooms.lock(roomId);
        checkOwner(roomId, actor);
        String target = rooms.existingUser(username);
        if (target.equals(actor)) {
            throw new ResponseStatusException(HttpStatus.FORBIDDEN, "the owner cannot ban themself");
        }
        jdbc.sql("INSERT INTO room_bans (room_id, username, banned_by) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
            .params(roomId, target, actor)
            .update();
        jdbc.sql("DELETE FROM room_members WHERE room_id = ? AND username = ?").params(roomId, target).update();
        // ends their live subscriptions and tells them, once committed (also a reader of a PUBLIC room who never joined)
        events.publishEvent(new MembershipChanged(roomId, target, false));
    }

    @Transactional
    void lift(long roomId, String actor, String username) {
        checkOwner(roomId, actor);
        int lifted = jdbc.sql("DELETE FROM room_bans WHERE room_id = ? AND username = ?")
            .params(roomId, rooms.existingUser(username))
            .update();
        if (lifted == 0) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, username + " is not banned from room " + roomId);
        }
    }

    List<Ban> list(long roomId, String actor) {
        checkOwner(roomId, actor);
        return jdbc.sql("SELECT username, banned_at, banned_by FROM room_bans WHERE room_id = ? ORDER BY banned_at, username")
            .param(roomId)
            .query((rs, row) -> new Ban(rs.getString("username"), rs.getTimestamp("banned_at").toInstant(),
                    rs.getString("banned_by")))
            .list();
    }

    /** 404 if the actor may not read the room; 403 unless they own it and it is PUBLIC or PRIVATE. */
    private void checkOwner(long roomId, String actor) {
        Room room = rooms.get(roomId, actor);
        if (room.kind() == Kind.DIRECT || !actor.equals(room.owner())) {
            throw new ResponseStatusException(HttpStatus.FORBIDDEN, "only the owner of a PUBLIC or PRIVATE room bans");
        }
    }

    /** {@code {"username","bannedAt","by"}}. */
    record Ban(String username, Instant bannedAt, String by) {
    }
}
