package io.talkwire.chat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/search}: every word must match, best match first, only messages I may read and never deleted ones,
 * bad input a 400 problem, hostile input only words, a rate limit per user, and a plan that uses the GIN index. Each
 * test searches for words of its own ({@link #word}): the database outlives test runs.
 */
class SearchIT extends IntegrationTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    private JdbcClient jdbc;

    @Autowired
    private TransactionTemplate transactions;

    @Test
    void findsTheMessagesWithEveryWordBestMatchFirst() {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        String lion = word("lion");
        String zebra = word("zebra");
        say(api, alice, room, "a " + lion + " met a " + zebra);
        say(api, alice, room, "only a " + lion + " here");
        say(api, alice, room, "only a " + zebra + " here");
        String thrice = String.join(", ", List.of(lion + " " + zebra, lion + " " + zebra, lion + " " + zebra));
        Api.Response often = say(api, alice, room, thrice);

        JsonNode hits = search(api, alice, lion + " " + zebra, "").json();
        assertThat(contents(hits)).containsExactly(thrice, "a " + lion + " met a " + zebra);
        assertThat(hits.get(0).get("rank").asDouble()).isGreaterThan(hits.get(1).get("rank").asDouble());
        assertThat(hits.get(1).get("rank").asDouble()).isPositive();

        // the shape of Message, plus rank
        JsonNode best = hits.get(0);
        assertThat(best.get("id").asString()).isEqualTo(often.json().get("id").asString());
        assertThat(best.get("roomId").asLong()).isEqualTo(room);
        assertThat(best.get("seq").asLong()).isEqualTo(often.json().get("seq").asLong());
        assertThat(best.get("sender").asString()).isEqualTo(alice.name());
        assertThat(best.get("clientMessageId").isNull()).isTrue();
        assertThat(best.get("sentAt").asString()).isEqualTo(often.json().get("sentAt").asString());
        assertThat(best.get("editedAt").isNull()).isTrue();
        assertThat(best.get("deleted").isBoolean()).isTrue();
        assertThat(best.get("deleted").asBoolean()).isFalse();
        assertThat(best.get("rank").isNumber()).isTrue();

        // words, whatever their case ('simple' lower-cases), in any order; limit cuts after the best
        assertThat(contents(search(api, alice, zebra.toUpperCase(Locale.ROOT) + " " + lion, "").json())).hasSize(2);
        assertThat(contents(search(api, alice, lion + " " + zebra, "&limit=1").json())).containsExactly(thrice);
    }

    @Test
    void findsOnlyMessagesOfRoomsIMayReadAndRoomIdNarrows() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        User carol = api.newUser("carol");
        String otter = word("otter");
        long alicesPublic = api.createRoom(alice, "PUBLIC");
        long bobsPublic = api.createRoom(bob, "PUBLIC");
        long bobsPrivate = api.privateRoomWith(bob, carol);
        say(api, alice, alicesPublic, "alice saw an " + otter);
        say(api, bob, bobsPublic, "bob saw an " + otter);
        say(api, bob, bobsPrivate, "a secret " + otter);

        // PUBLIC rooms are readable by anyone, member or not; bob's PRIVATE room by bob and carol only
        assertThat(contents(search(api, alice, otter, "").json()))
            .containsExactlyInAnyOrder("alice saw an " + otter, "bob saw an " + otter);
        assertThat(contents(search(api, carol, otter, "").json()))
            .containsExactlyInAnyOrder("alice saw an " + otter, "bob saw an " + otter, "a secret " + otter);

        assertThat(contents(search(api, carol, otter, "&roomId=" + bobsPrivate).json()))
            .containsExactly("a secret " + otter);
        assertThat(contents(search(api, alice, otter, "&roomId=" + bobsPublic).json()))
            .containsExactly("bob saw an " + otter);

        // a room I may not read is one that does not exist, as for history
        for (long room : List.of(bobsPrivate, 987654321L)) {
            Api.Response hidden = search(api, alice, otter, "&roomId=" + room);
            assertThat(hidden.status()).isEqualTo(404);
            assertThat(hidden.contentType()).startsWith("application/problem+json");
            assertThat(hidden.body()).doesNotContain("secret");
        }
    }

    @Test
    void deletedMessagesAreNeverFound() {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        String heron = word("heron");
        say(api, alice, room, "a " + heron + " that stays");
        long gone = say(api, alice, room, "a " + heron + " that goes").json().get("seq").asLong();
        long flagged = say(api, alice, room, "a " + heron + " flagged deleted").json().get("seq").asLong();
        // as a delete leaves a message: no content, deleted; and one whose text were still there, left out by the flag
        jdbc.sql("UPDATE messages SET deleted = true, content = '' WHERE room_id = ? AND seq = ?")
            .params(room, gone)
            .update();
        jdbc.sql("UPDATE messages SET deleted = true WHERE room_id = ? AND seq = ?").params(room, flagged).update();

        assertThat(contents(search(api, alice, heron, "").json())).containsExactly("a " + heron + " that stays");
        assertThat(contents(search(api, alice, heron + " flagged", "&roomId=" + room).json())).isEmpty();
    }

    @Test
    void badInputIsA400Problem() {
        Api api = api();
        User alice = api.newUser("alice");
        String yak = word("yak");
        String q = "?q=" + yak;
        for (String bad : List.of("", "?q=", "?q=%20%20%09", "?q=" + "y".repeat(MessageSearch.MAX_QUERY + 1),
                q + "&limit=0", q + "&limit=101", q + "&limit=-1", q + "&limit=abc", q + "&limit=99999999999",
                q + "&roomId=abc", "?q=a%00b")) {
            Api.Response response = api.get("/api/search" + bad, alice.token());
            assertThat(response.status()).as(bad).isEqualTo(400);
            assertThat(response.contentType()).as(bad).startsWith("application/problem+json");
            assertThat(response.body()).as(bad).doesNotContain("Exception", "SQL");
        }
        // the bounds themselves are fine; 200 characters are code points, as for content
        assertThat(search(api, alice, "y".repeat(MessageSearch.MAX_QUERY), "").status()).isEqualTo(200);
        assertThat(search(api, alice, "\uD83D\uDE00".repeat(MessageSearch.MAX_QUERY), "").status()).isEqualTo(200);
        assertThat(search(api, alice, "  " + yak + "  ", "&limit=1").status()).isEqualTo(200);
        assertThat(search(api, alice, yak, "&limit=100&roomId=").status()).isEqualTo(200);
        assertThat(api.get("/api/search?q=" + yak, null).status()).isEqualTo(401);
    }

    @Test
    void hostileQueriesAreOnlyWordsAndNeverFail() {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        String ibis = word("ibis");
        String stored = "Grüße aus Köln, 日本語 and an " + ibis + " 😀 (it's 100% fine)";
        say(api, alice, room, stored);

        List<String> hostile = List.of("'", "&", "|", "!", ":*", "\\", "%", "%%", "_", "(", ")", "<->", "<2>", "!!!",
                "''", "\"", "a & | ! b", "foo:* & !bar", "'; DROP TABLE messages; --", "%s %n ${jndi:ldap://x/}",
                "\u202e\u200b", "😀", "日本語", "\\'\\\\", "NULL", "*", "a:*A | b:B");
        List<String> findIt = List.of(ibis + " &", "!" + ibis, ibis + ":*", "'" + ibis + "'", ibis + " \\", ibis + " %",
                "(" + ibis + ")", ibis + " <-> grüße", "grüße " + ibis, "日本語 " + ibis,
                ibis.toUpperCase(Locale.ROOT) + " & !Köln");
        List<Api.Response> answers = new ArrayList<>();
        int asked = 0;
        User searcher = alice;
        for (String q : concat(hostile, findIt)) {
            if (++asked % MessageSearch.SEARCH_BURST == 0) {
                searcher = api.newUser("hostile"); // a full bucket: this test is about input, not the rate
            }
            Api.Response answer = search(api, searcher, q, "");
            assertThat(answer.status()).as(q).isEqualTo(200);
            assertThat(answer.json().isArray()).as(q).isTrue();
            answers.add(answer);
        }
        // the operators are dropped, the words must all be there: each of these finds the message as it was stored
        for (int i = 0; i < findIt.size(); i++) {
            assertThat(contents(answers.get(hostile.size() + i).json())).as(findIt.get(i)).containsExactly(stored);
        }
    }

    @Test
    void searchesAreRateLimitedPerUser() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        String gnu = word("gnu");
        int tries = MessageSearch.SEARCH_BURST * 3;
        int passed = 0;
        long started = System.nanoTime(); // before the first search, so before alice's bucket exists
        for (int i = 0; i < tries; i++) {
            Api.Response response = search(api, alice, gnu, "");
            if (response.status() == 200) {
                passed++;
            }
            else {
                assertThat(response.status()).isEqualTo(429);
                assertThat(response.contentType()).startsWith("application/problem+json");
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        // the burst, and only what the bucket refilled meanwhile
        assertThat(passed).as("searches passed of %d in %.3f s", tries, seconds)
            .isBetween(MessageSearch.SEARCH_BURST,
                    MessageSearch.SEARCH_BURST + (int) Math.floor(MessageSearch.SEARCHES_PER_SECOND * seconds));
        assertThat(passed).isLessThan(tries);
        // one user's bucket, not everyone's
        assertThat(search(api, bob, gnu, "").status()).isEqualTo(200);
    }

    /**
     * The index keeps no pending list (GIN's fastupdate is off): a committed message's words are in the index itself,
     * so no later commit stops to merge thousands of them (one in about 40,000 short messages took 270-290 ms with
     * the list). {@code gin_clean_pending_list} merges what is pending and returns how many pages it held.
     */
    @Test
    void aCommittedMessageLeavesNothingPendingInTheSearchIndex() {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        jdbc.sql("SELECT gin_clean_pending_list('messages_search')").query(Long.class).single();

        String gnu = word("gnu");
        say(api, alice, room, "a " + gnu + " at once");

        assertThat(jdbc.sql("SELECT gin_clean_pending_list('messages_search')").query(Long.class).single()).isZero();
        assertThat(contents(search(api, alice, gnu, "").json())).containsExactly("a " + gnu + " at once");
    }

    /**
     * The search runs on the GIN index {@code messages_search}, whatever characters come with the words: EXPLAIN of
     * the very SQL the service runs, over all rooms and in one, on a table with 50,000 more messages than the test
     * database may hold, all in one room, and statistics that know it (inserted and analyzed in a transaction that is
     * rolled back), so that the planner weighs the index against reading a table, or a room, of realistic size, as it
     * would in production. Rare words, as searches are: for a word in a large share of all messages PostgreSQL may
     * rightly read the table instead (docs/protocol.md, Search).
     */
    @Test
    void thePlanUsesTheSearchIndex() {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        String moose = word("moose");
        List<String> plans = transactions.execute(status -> {
            jdbc.sql("""
                    INSERT INTO messages (id, room_id, seq, sender, content, sent_at)
                    SELECT gen_random_uuid(), :room, g, :sender, 'filler message number ' || g || ' of many', now()
                    FROM generate_series(1, 50000) AS g
                    """)
                .param("room", room)
                .param("sender", alice.name())
                .update();
            // ANALYZE counts this transaction's own rows; what it writes to pg_statistic is rolled back with them
            jdbc.sql("ANALYZE messages").update();
            List<String> explained = new ArrayList<>();
            for (String q : List.of(moose, moose + " ' & | ! :* \\ %", "filler number " + moose)) {
                explained.add(explain(MessageSearch.SEARCH, q, alice, null));
                explained.add(explain(MessageSearch.SEARCH_IN_ROOM, q, alice, room));
            }
            status.setRollbackOnly();
            return explained;
        });
        assertThat(plans).hasSize(6).allSatisfy(plan -> assertThat(plan).contains("messages_search"));
    }

    private String explain(String sql, String q, User user, Long roomId) {
        JdbcClient.StatementSpec explain = jdbc.sql("EXPLAIN " + sql)
            .param("q", q)
            .param("user", user.name())
            .param("limit", MessageSearch.DEFAULT_LIMIT);
        if (roomId != null) {
            explain = explain.param("roomId", roomId);
        }
        return String.join("\n", explain.query(String.class).list());
    }

    /** A word of letters only, unique to this run: the parser keeps it whole (digits or '_' would split it). */
    private static String word(String prefix) {
        StringBuilder word = new StringBuilder(prefix);
        for (char hex : UUID.randomUUID().toString().replace("-", "").substring(0, 16).toCharArray()) {
            word.append((char) ('a' + Character.digit(hex, 16)));
        }
        return word.toString();
    }

    private static Api.Response say(Api api, User sender, long room, String content) {
        Api.Response sent = api.post("/api/rooms/" + room + "/messages", sender.token(),
                JSON.writeValueAsString(Map.of("content", content)));
        assertThat(sent.status()).as(sent.body()).isEqualTo(201);
        return sent;
    }

    /** {@code GET /api/search?q=<q><more>}: {@code more} is the rest of the query string, {@code &...} or empty. */
    private static Api.Response search(Api api, User user, String q, String more) {
        return api.get("/api/search?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8) + more, user.token());
    }

    private static List<String> contents(JsonNode hits) {
        return hits.valueStream().map(hit -> hit.get("content").asString()).toList();
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }
}
