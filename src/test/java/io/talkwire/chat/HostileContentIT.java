package io.talkwire.chat;

import java.util.List;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/** Text with SQL, HTML, STOMP or array syntax and control characters is stored and returned exactly; it breaks nothing. */
class HostileContentIT extends IntegrationTest {

    static final List<String> HOSTILE = List.of(
            "'; DROP TABLE messages; --",
            "Robert'); DELETE FROM users WHERE ('1'='1",
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "line one\nline two\r\n\ttabbed",
            "control \u0001\u0002\u001b[31m\u007f characters",
            "SEND\ndestination:/topic/rooms.1\n\n{}\u0000 (a frame inside a message, NUL spelled out as \\u0000)".replace("\u0000", ""),
            "header\\c escapes \\n \\\\ and : colons",
            "\"quotes\" and \\backslashes\\ and {\"json\":true}",
            "emoji 😀👍🏽, right-to-left \u202eevil\u202c, zero width\u200b",
            "%s %n %d ${jndi:ldap://x/} {{7*7}}",
            // sends are stored as SQL arrays: array-literal syntax must stay text
            "NULL",
            "{NULL,\"x\"}",
            "a, b }{ c \\\" d");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void hostileTextIsStoredAndReturnedExactlyOverStompAndRest() {
        Api api = api();
        User alice = api.newUser("alice");
        Api.Response created = api.post("/api/rooms", alice.token(),
                JSON.writeValueAsString(java.util.Map.of("name", "<b>'; DROP TABLE rooms; --</b>", "kind", "PUBLIC")));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().get("name").asString()).isEqualTo("<b>'; DROP TABLE rooms; --</b>");
        long room = created.json().get("id").asLong();
        try (StompTestClient client = connect(alice)) {
            Inbox events = client.subscribe("/topic/rooms." + room);
            for (String text : HOSTILE) {
                String body = JSON.writeValueAsString(java.util.Map.of("content", text));
                StompTestClient.await(client.send("/app/rooms." + room + ".send", body, "r"));
                assertThat(events.next("MESSAGE").get("content").asString()).isEqualTo(text);
                assertThat(api.post("/api/rooms/" + room + "/messages", alice.token(), body).status()).isEqualTo(201);
                assertThat(events.next("MESSAGE").get("content").asString()).isEqualTo(text);
            }
        }
        JsonNode history = api.get("/api/rooms/" + room + "/messages?limit=200", alice.token()).json();
        assertThat(history.valueStream().map(m -> m.get("content").asString()).distinct().toList())
            .containsExactlyElementsOf(HOSTILE);
        assertThat(api.get("/api/rooms/" + room, alice.token()).json().get("lastSeq").asLong()).isEqualTo(2L * HOSTILE.size());
    }

    @Test
    void theNulCharacterIsRefusedWithAClearError() {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        Api.Response response = api.post("/api/rooms/" + room + "/messages", alice.token(), "{\"content\":\"a\\u0000b\"}");
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("detail").asString()).contains("U+0000");
        try (StompTestClient client = connect(alice)) {
            Inbox errors = client.subscribe("/user/queue/errors");
            client.send("/app/rooms." + room + ".send", "{\"content\":\"a\\u0000b\"}", "nul");
            assertThat(errors.next().get("code").asString()).isEqualTo("INVALID_CONTENT");
            // in a clientMessageId too: refused as bad input, never "the database failed, send again"
            client.send("/app/rooms." + room + ".send", "{\"content\":\"ok\",\"clientMessageId\":\"a\\u0000\"}", "nul-id");
            assertThat(errors.next().get("code").asString()).isEqualTo("INVALID_CLIENT_MESSAGE_ID");
        }
        Api.Response nulId = api.post("/api/rooms/" + room + "/messages", alice.token(),
                "{\"content\":\"ok\",\"clientMessageId\":\"\\u0000\"}");
        assertThat(nulId.status()).isEqualTo(400);
        assertThat(nulId.json().get("detail").asString()).contains("U+0000");
        assertThat(api.get("/api/rooms/" + room, alice.token()).json().get("lastSeq").asLong()).isZero();
        assertThat(api.post("/api/rooms", alice.token(), "{\"name\":\"a\\u0000\",\"kind\":\"PUBLIC\"}").status()).isEqualTo(400);
    }

    /** A lone surrogate cannot be stored as UTF-8: refused, never stored as "?" while the answer echoes it. */
    @Test
    void aLoneSurrogateIsRefusedAndAPairIsStoredExactly() {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        for (String lone : List.of("\\ud800", "a\\udc00b", "x\\ud83d")) {
            Api.Response response = api.post("/api/rooms/" + room + "/messages", alice.token(), "{\"content\":\"" + lone + "\"}");
            assertThat(response.status()).as(lone).isEqualTo(400);
            assertThat(response.json().get("detail").asString()).contains("lone surrogate");
        }
        try (StompTestClient client = connect(alice)) {
            Inbox errors = client.subscribe("/user/queue/errors");
            client.send("/app/rooms." + room + ".send", "{\"content\":\"\\ud800\"}", "lone");
            assertThat(errors.next().get("code").asString()).isEqualTo("INVALID_CONTENT");
        }
        Api.Response pair = api.post("/api/rooms/" + room + "/messages", alice.token(), "{\"content\":\"\\ud83d\\ude00\"}");
        assertThat(pair.status()).isEqualTo(201);
        assertThat(pair.json().get("content").asString()).isEqualTo("\ud83d\ude00");
        assertThat(api.get("/api/rooms/" + room + "/messages", alice.token()).json().get(0).get("content").asString())
            .isEqualTo("\ud83d\ude00");
        assertThat(api.post("/api/rooms", alice.token(), "{\"name\":\"\\udfff\",\"kind\":\"PUBLIC\"}").status()).isEqualTo(400);
    }
}
