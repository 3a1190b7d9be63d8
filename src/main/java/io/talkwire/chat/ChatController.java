package io.talkwire.chat;

import java.security.Principal;
import java.util.List;

import io.talkwire.chat.ChatEvents.SendRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
class ChatController {

    private final ChatService chat;

    private final MessageEdits edits;

    private final SendMeters meters;

    ChatController(ChatService chat, MessageEdits edits, SendMeters meters) {
        this.chat = chat;
        this.edits = edits;
        this.meters = meters;
    }

    @GetMapping("/api/rooms/{id}/messages")
    List<ChatMessage> history(@PathVariable long id, @RequestParam(required = false) @Nullable Integer limit,
            @RequestParam(required = false) @Nullable Long before, @RequestParam(required = false) @Nullable Long after,
            Principal me) {
        return chat.history(id, me.getName(), limit, before, after);
    }

    /** 201 with the message; a retry of its clientMessageId gets the same answer, with the message stored before. */
    @PostMapping("/api/rooms/{id}/messages")
    @ResponseStatus(HttpStatus.CREATED)
    ChatMessage send(@PathVariable long id, @RequestBody SendRequest request, Principal me) {
        ChatMessage message;
        try {
            message = chat.sendAndWait(id, me.getName(), request);
        }
        catch (RuntimeException refused) {
            meters.refused(SendMeters.codeOf(refused));
            throw refused;
        }
        return message;
    }

    @PatchMapping("/api/rooms/{id}/messages/{seq}")
    ChatMessage edit(@PathVariable long id, @PathVariable long seq, @RequestBody SendRequest request, Principal me) {
        return edits.edit(id, seq, me.getName(), request);
    }

    @DeleteMapping("/api/rooms/{id}/messages/{seq}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void delete(@PathVariable long id, @PathVariable long seq, Principal me) {
        edits.delete(id, seq, me.getName());
    }
}
