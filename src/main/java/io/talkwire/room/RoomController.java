package io.talkwire.room;

import java.security.Principal;
import java.util.List;

import io.talkwire.room.RoomService.Member;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

@RestController
class RoomController {

    private final RoomService rooms;

    private final RoomBans bans;

    private final ReadMarkers markers;

    RoomController(RoomService rooms, RoomBans bans, ReadMarkers markers) {
        this.rooms = rooms;
        this.bans = bans;
        this.markers = markers;
    }

    @PostMapping("/api/rooms")
    @ResponseStatus(HttpStatus.CREATED)
    Room create(@RequestBody NewRoom request, Principal me) {
        return rooms.create(me.getName(), request.name(), request.kind());
    }

    /**
     * Every room I may read, by ascending id; or a page of them, with {@code limit}: {@code after} is the last id of the
     * previous page.
     */
    @GetMapping("/api/rooms")
    List<Room> list(@RequestParam(required = false) @Nullable Integer limit,
            @RequestParam(required = false) @Nullable Long after, Principal me) {
        return rooms.visibleTo(me.getName(), limit, after == null ? 0 : after);
    }

    @GetMapping("/api/rooms/{id}")
    Room get(@PathVariable long id, Principal me) {
        return rooms.get(id, me.getName());
    }

    @PutMapping("/api/rooms/{id}/members/{username}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void addMember(@PathVariable long id, @PathVariable String username, Principal me) {
        rooms.addMember(id, me.getName(), username);
    }

    @DeleteMapping("/api/rooms/{id}/members/{username}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void removeMember(@PathVariable long id, @PathVariable String username, Principal me) {
        rooms.removeMember(id, me.getName(), username);
    }

    @GetMapping("/api/rooms/{id}/members")
    List<Member> members(@PathVariable long id, Principal me) {
        return rooms.members(id, me.getName());
    }

    /** A marker never moves back; 400 without a {@code seq} of 0 or more. */
    @PutMapping("/api/rooms/{id}/read")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void markRead(@PathVariable long id, @RequestBody(required = false) @Nullable ReadUpTo request, Principal me) {
        if (request == null || request.seq() == null) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "the body must be {\"seq\":n}");
        }
        markers.markRead(id, me.getName(), request.seq());
    }

    @PutMapping("/api/rooms/{id}/bans/{username}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void ban(@PathVariable long id, @PathVariable String username, Principal me) {
        bans.ban(id, me.getName(), username);
    }

    @DeleteMapping("/api/rooms/{id}/bans/{username}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void liftBan(@PathVariable long id, @PathVariable String username, Principal me) {
        bans.lift(id, me.getName(), username);
    }

    @GetMapping("/api/rooms/{id}/bans")
    List<RoomBans.Ban> bans(@PathVariable long id, Principal me) {
        return bans.list(id, me.getName());
    }

    @PostMapping("/api/direct/{username}")
    Room openDirect(@PathVariable String username, Principal me) {
        return rooms.openDirect(me.getName(), username);
    }

    record NewRoom(@Nullable String name, @Nullable String kind) {
    }

    record ReadUpTo(@Nullable Long seq) {
    }
}
