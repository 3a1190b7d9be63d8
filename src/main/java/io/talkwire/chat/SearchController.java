package io.talkwire.chat;

import java.security.Principal;
import java.util.List;

import io.talkwire.chat.MessageSearch.SearchHit;
import org.jspecify.annotations.Nullable;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/search}: the messages I may read that contain every word, best match first. */
@RestController
class SearchController {

    private final MessageSearch search;

    SearchController(MessageSearch search) {
        this.search = search;
    }

    @GetMapping("/api/search")
    List<SearchHit> search(@RequestParam(required = false) @Nullable String q,
            @RequestParam(required = false) @Nullable Long roomId,
            @RequestParam(required = false) @Nullable Integer limit, Principal me) {
        return search.search(me.getName(), q, roomId, limit);
    }
}
