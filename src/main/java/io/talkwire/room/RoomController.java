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
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
class RoomController {

    private final RoomService rooms;

    RoomController(RoomService rooms) {
        this.rooms = rooms;
    }

    @PostMapping("/api/rooms")
    @ResponseStatus(HttpStatus.CREATED)
    Room create(@RequestBody NewRoom request, Principal me) {
        return rooms.create(me.getName(), request.name(), request.kind());
    }

    @GetMapping("/api/rooms")
    List<Room> list(Principal me) {
        return rooms.visibleTo(me.getName());
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

    @PostMapping("/api/direct/{username}")
    Room openDirect(@PathVariable String username, Principal me) {
        return rooms.openDirect(me.getName(), username);
    }

    record NewRoom(@Nullable String name, @Nullable String kind) {
    }
}
