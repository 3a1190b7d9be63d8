package io.talkwire.chat;

import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import io.talkwire.TalkwireInstance;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MENTION on /user/queue/events: to members of the room named with {@code @username}, never to the sender, to others
 * or for an '@' inside a word. Absence is proven with fences: one instance looks up and tells the mentions of the
 * messages it committed one message at a time, in commit order, so a mention of a later message (the fence) reaches
 * a user after whatever an earlier one would have sent them.
 */
class MentionsIT extends IntegrationTest {

    @Test
    void aMemberNamedGetsOneMentionPerMessageWithItsSeqAndSender() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long room = publicRoomOf(alice, bob);
        try (StompTestClient aliceClient = connect(alice); StompTestClient bobClient = connect(bob)) {
            Inbox bobEvents = bobClient.subscribe("/user/queue/events");

            // any case, a sentence's full stop after it, named twice: one MENTION
            String upper = bob.name().toUpperCase(Locale.ROOT);
            StompTestClient.await(aliceClient.send(send(room),
                    "{\"content\":\"hello @" + upper + ". (again: @" + bob.name() + ")\"}", "m-1"));
            StompTestClient.await(aliceClient.send(send(room), "{\"content\":\"@" + bob.name() + " fence\"}", "m-2"));

            List<JsonNode> mentions = bobEvents.until(isMention(2)).stream().filter(isMention()).toList();
            assertThat(mentions).extracting(e -> e.get("seq").asLong()).containsExactly(1L, 2L);
            JsonNode first = mentions.getFirst();
            assertThat(first.get("roomId").asLong()).isEqualTo(room);
            assertThat(first.get("from").asString()).isEqualTo(alice.name());
            assertThat(first.size()).as("type, roomId, seq and from, nothing else").isEqualTo(4);
        }
    }

    @Test
    void aUserWhoIsNoMemberOfThePublicRoomIsNotTold() {
        Api api = api();
        User alice = api.newUser("alice");
        User carol = api.newUser("carol");
        long room = api.createRoom(alice, "PUBLIC");
        long carolsRoom = api.createRoom(carol, "PUBLIC");
        try (StompTestClient carolClient = connect(carol)) {
            Inbox carolEvents = carolClient.subscribe("/user/queue/events");
            // carol may read the room, and is named in it, but is no member
            assertThat(say(alice, room, "@" + carol.name() + " are you there?")).isEqualTo(1);
            // the fence: a message of the same instance, later, in a room carol is a member of
            long fence = say(alice, carolsRoom, "@" + carol.name() + " fence");

            List<JsonNode> mentions = carolEvents.until(isMention(fence)).stream().filter(isMention()).toList();
            assertThat(mentions).hasSize(1);
            assertThat(mentions.getFirst().get("roomId").asLong()).isEqualTo(carolsRoom);
        }
    }

    @Test
    void theSenderNamingThemselfAndAnAtInsideAWordTellNobody() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long room = publicRoomOf(alice, bob);
        try (StompTestClient aliceClient = connect(alice); StompTestClient bobClient = connect(bob)) {
            Inbox aliceEvents = aliceClient.subscribe("/user/queue/events");
            Inbox bobEvents = bobClient.subscribe("/user/queue/events");

            StompTestClient.await(aliceClient.send(send(room),
                    "{\"content\":\"note to self @" + alice.name() + "\"}", "self"));
            StompTestClient.await(aliceClient.send(send(room),
                    "{\"content\":\"write to email@" + bob.name() + " or x_@" + bob.name() + "\"}", "email"));
            // the fences: bob names alice, alice names bob
            StompTestClient.await(bobClient.send(send(room), "{\"content\":\"@" + alice.name() + " fence\"}", "f-1"));
            StompTestClient.await(aliceClient.send(send(room), "{\"content\":\"@" + bob.name() + " fence\"}", "f-2"));

            List<JsonNode> toAlice = aliceEvents.until(isMention(3)).stream().filter(isMention()).toList();
            assertThat(toAlice).extracting(e -> e.get("seq").asLong()).containsExactly(3L);
            assertThat(toAlice.getFirst().get("from").asString()).isEqualTo(bob.name());
            List<JsonNode> toBob = bobEvents.until(isMention(4)).stream().filter(isMention()).toList();
            assertThat(toBob).extracting(e -> e.get("seq").asLong()).containsExactly(4L);
        }
    }

    @Test
    void aMessageSentOverRestMentionsToo() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long room = api.privateRoomWith(alice, bob);
        try (StompTestClient bobClient = connect(bob)) {
            Inbox bobEvents = bobClient.subscribe("/user/queue/events");
            long seq = say(alice, room, "over REST, @" + bob.name());

            JsonNode mention = bobEvents.next("MENTION");
            assertThat(mention.get("roomId").asLong()).isEqualTo(room);
            assertThat(mention.get("seq").asLong()).isEqualTo(seq);
            assertThat(mention.get("from").asString()).isEqualTo(alice.name());
        }
    }

    @Test
    void mentionsReachTheNamedUserOnAnotherInstance() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long room = publicRoomOf(alice, bob);
        try (TalkwireInstance b = TalkwireInstance.start(); StompTestClient aliceOnA = connect(alice);
                StompTestClient bobOnB = StompTestClient.connect(b.port(), bob.token())) {
            Inbox aliceEvents = aliceOnA.subscribe("/user/queue/events");
            Inbox bobEvents = bobOnB.subscribe("/user/queue/events");

            StompTestClient.await(aliceOnA.send(send(room), "{\"content\":\"@" + bob.name() + " on B\"}", "a"));
            JsonNode toBob = bobEvents.next("MENTION");
            assertThat(toBob.get("seq").asLong()).isEqualTo(1);
            assertThat(toBob.get("from").asString()).isEqualTo(alice.name());

            // committed by B (over its REST API): B tells alice on A
            Api.Response sent = b.api().post("/api/rooms/" + room + "/messages", bob.token(),
                    "{\"content\":\"@" + alice.name() + " on A\"}");
            assertThat(sent.status()).isEqualTo(201);
            JsonNode toAlice = aliceEvents.next("MENTION");
            assertThat(toAlice.get("seq").asLong()).isEqualTo(sent.json().get("seq").asLong());
            assertThat(toAlice.get("from").asString()).isEqualTo(bob.name());
        }
    }

    /** A PUBLIC room of {@code owner} that {@code member} joined. */
    private long publicRoomOf(User owner, User member) {
        Api api = api();
        long room = api.createRoom(owner, "PUBLIC");
        assertThat(api.put("/api/rooms/" + room + "/members/" + member.name(), member.token()).status()).isEqualTo(204);
        return room;
    }

    /** Sends over REST; returns the message's seq. */
    private long say(User sender, long room, String content) {
        Api.Response sent = api().post("/api/rooms/" + room + "/messages", sender.token(),
                "{\"content\":\"" + content + "\"}");
        assertThat(sent.status()).isEqualTo(201);
        return sent.json().get("seq").asLong();
    }

    private static Predicate<JsonNode> isMention() {
        return event -> "MENTION".equals(event.path("type").asString());
    }

    private static Predicate<JsonNode> isMention(long seq) {
        return isMention().and(event -> event.get("seq").asLong() == seq);
    }

    private static String send(long room) {
        return "/app/rooms." + room + ".send";
    }
}
