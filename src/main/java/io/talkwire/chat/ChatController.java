package io.talkwire.chat;

import java.security.Principal;
import java.util.List;

import io.talkwire.chat.ChatEvents.SendRequest;
import io.talkwire.chat.MessageStore.Appended;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
class ChatController {

    private final ChatService chat;

    ChatController(ChatService chat) {
        this.chat = chat;
    }

    @GetMapping("/api/rooms/{id}/messages")
    List<ChatMessage> history(@PathVariable long id, @RequestParam(required = false) @Nullable Integer limit,
            @RequestParam(required = false) @Nullable Long before, @RequestParam(required = false) @Nullable Long after,
            Principal me) {
        return chat.history(id, me.getName(), limit, before, after);
    }

    /** 201 for a new message; 200 with the stored one when the clientMessageId was sent before. */
    @PostMapping("/api/rooms/{id}/messages")
    ResponseEntity<ChatMessage> send(@PathVariable long id, @RequestBody SendRequest request, Principal me) {
        Appended appended = chat.sendAndWait(id, me.getName(), request);
        return ResponseEntity.status(appended.created() ? HttpStatus.CREATED : HttpStatus.OK).body(appended.message());
    }
}
