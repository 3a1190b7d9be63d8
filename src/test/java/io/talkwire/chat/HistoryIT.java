package io.talkwire.chat;

import java.util.List;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** History pages by seq: latest, before, after; ascending and gapless. REST sends are stored like STOMP ones. */
class HistoryIT extends IntegrationTest {

    @Test
    void historyPagesWithLimitBeforeAndAfter() {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        String messages = "/api/rooms/" + room + "/messages";
        for (int i = 1; i <= 7; i++) {
            Api.Response sent = api.post(messages, alice.token(), "{\"content\":\"message %d\"}".formatted(i));
            assertThat(sent.status()).isEqualTo(201);
            assertThat(sent.json().get("seq").asLong()).isEqualTo(i);
        }
        assertThat(seqs(api.get(messages, alice.token()))).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(seqs(api.get(messages + "?limit=3", alice.token()))).containsExactly(5L, 6L, 7L);
        assertThat(seqs(api.get(messages + "?limit=2&before=5", alice.token()))).containsExactly(3L, 4L);
        assertThat(seqs(api.get(messages + "?limit=10&before=3", alice.token()))).containsExactly(1L, 2L);
        assertThat(seqs(api.get(messages + "?limit=3&after=2", alice.token()))).containsExactly(3L, 4L, 5L);
        assertThat(seqs(api.get(messages + "?after=7", alice.token()))).isEmpty();
        JsonNode first = api.get(messages + "?limit=1&after=0", alice.token()).json().get(0);
        assertThat(first.get("content").asString()).isEqualTo("message 1");
        assertThat(first.get("sender").asString()).isEqualTo(alice.name());
        assertThat(first.get("roomId").asLong()).isEqualTo(room);
        assertThat(first.get("clientMessageId").isNull()).isTrue();

        for (String bad : List.of("?limit=0", "?limit=201", "?limit=-1", "?limit=abc", "?before=x", "?before=3&after=1")) {
            Api.Response response = api.get(messages + bad, alice.token());
            assertThat(response.status()).as(bad).isEqualTo(400);
            assertThat(response.contentType()).startsWith("application/problem+json");
        }
    }

    @Test
    void restSendsAreIdempotentAndValidated() {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        String messages = "/api/rooms/" + room + "/messages";
        Api.Response first = api.post(messages, alice.token(), "{\"content\":\"hi\",\"clientMessageId\":\"abc\"}");
        Api.Response again = api.post(messages, alice.token(), "{\"content\":\"hi\",\"clientMessageId\":\"abc\"}");
        assertThat(first.status()).isEqualTo(201);
        assertThat(again.status()).isEqualTo(201); // the answer of the first, as a client that retries expects
        assertThat(again.json().get("id")).isEqualTo(first.json().get("id"));
        assertThat(api.post(messages, alice.token(), "{\"content\":\"\"}").status()).isEqualTo(400);
        assertThat(api.post(messages, alice.token(), "{\"content\":42}").status()).isEqualTo(400);
        assertThat(api.post(messages, alice.token(), "nope").status()).isEqualTo(400);
        assertThat(api.post("/api/rooms/987654321/messages", alice.token(), "{\"content\":\"x\"}").status()).isEqualTo(404);
        assertThat(seqs(api.get(messages, alice.token()))).containsExactly(1L);
    }

    private static List<Long> seqs(Api.Response response) {
        assertThat(response.status()).isEqualTo(200);
        return response.json().valueStream().map(m -> m.get("seq").asLong()).toList();
    }
}
