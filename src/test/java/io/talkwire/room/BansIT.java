package io.talkwire.room;

import io.talkwire.Api;
import io.talkwire.Api.Response;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import io.talkwire.TalkwireInstance;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static io.talkwire.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** Bans: the owner keeps a user out; the user loses live subscriptions at once on every instance and cannot return. */
class BansIT extends IntegrationTest {

    @Test
    void aBannedReaderOfAPublicRoomLosesItsSubscriptionOnAnotherInstanceAndCannotReturn() {
        Api api = api();
        User owner = api.newUser("owner");
        User troll = api.newUser("troll");
        long room = api.createRoom(owner, "PUBLIC");
        assertThat(api.put("/api/rooms/" + room + "/members/" + troll.name(), troll.token()).status()).isEqualTo(204);
        try (TalkwireInstance other = TalkwireInstance.start(); StompTestClient ownerClient = connect(owner);
                StompTestClient trollClient = StompTestClient.connect(other.port(), troll.token())) {
            Inbox ownerRoom = ownerClient.subscribe("/topic/rooms." + room);
            Inbox trollEvents = trollClient.subscribe("/user/queue/events");
            Inbox trollRoom = trollClient.subscribe("/topic/rooms." + room);
            api.say(owner, room, "before");
            assertThat(trollRoom.next("MESSAGE").get("content").asString()).isEqualTo("before");

            assertThat(api.put("/api/rooms/" + room + "/bans/" + troll.name(), owner.token()).status()).isEqualTo(204);
            assertThat(trollEvents.next("ROOM_REMOVED").get("roomId").asLong()).isEqualTo(room);
            assertThat(ownerRoom.next(e -> "LEAVE".equals(e.path("type").asString())).get("user").asString())
                .isEqualTo(troll.name());
            api.say(owner, room, "after");
            long fenceRoom = api.createRoom(owner, "PUBLIC");
            Inbox trollFence = trollClient.subscribe("/topic/rooms." + fenceRoom);
            api.say(owner, fenceRoom, "fence");
            trollFence.until(e -> "fence".equals(e.path("content").asString()));
            assertThat(trollRoom.drain(java.time.Duration.ZERO)).noneMatch(e -> "after".equals(e.path("content").asString()));

            assertThat(trollClient.refusedSubscribe("/topic/rooms." + room)).contains("no room " + room);
        }
        assertProblem(api.put("/api/rooms/" + room + "/members/" + troll.name(), troll.token()), 403);
        assertProblem(api.get("/api/rooms/" + room + "/messages?after=0", troll.token()), 404);
        assertProblem(api.post("/api/rooms/" + room + "/messages", troll.token(), "{\"content\":\"let me in\"}"), 404);
        JsonNode members = api.get("/api/rooms/" + room + "/members", owner.token()).json();
        assertThat(members.valueStream().map(m -> m.get("username").asString())).doesNotContain(troll.name());

        JsonNode bans = api.get("/api/rooms/" + room + "/bans", owner.token()).json();
        assertThat(bans).hasSize(1);
        assertThat(bans.get(0).get("username").asString()).isEqualTo(troll.name());
        assertThat(bans.get(0).get("by").asString()).isEqualTo(owner.name());
        assertThat(bans.get(0).get("bannedAt").asString()).isNotBlank();

        assertThat(api.delete("/api/rooms/" + room + "/bans/" + troll.name(), owner.token()).status()).isEqualTo(204);
        assertThat(api.put("/api/rooms/" + room + "/members/" + troll.name(), troll.token()).status()).isEqualTo(204);
        assertThat(api.get("/api/rooms/" + room + "/bans", owner.token()).json()).isEmpty();
    }

    @Test
    void aBannedMemberOfAPrivateRoomIsRemovedAndCannotBeAddedBack() {
        Api api = api();
        User owner = api.newUser("owner");
        User bob = api.newUser("bob");
        long room = api.privateRoomWith(owner, bob);
        assertThat(api.put("/api/rooms/" + room + "/bans/" + bob.name(), owner.token()).status()).isEqualTo(204);
        assertProblem(api.get("/api/rooms/" + room, bob.token()), 404);
        assertProblem(api.put("/api/rooms/" + room + "/members/" + bob.name(), owner.token()), 403);
    }

    @Test
    void onlyTheOwnerBansAndNobodyBansTheOwner() {
        Api api = api();
        User owner = api.newUser("owner");
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long room = api.createRoom(owner, "PUBLIC");
        assertProblem(api.put("/api/rooms/" + room + "/bans/" + bob.name(), alice.token()), 403);
        assertProblem(api.get("/api/rooms/" + room + "/bans", alice.token()), 403);
        assertProblem(api.delete("/api/rooms/" + room + "/bans/" + bob.name(), alice.token()), 403);
        assertProblem(api.put("/api/rooms/" + room + "/bans/" + owner.name(), owner.token()), 403); // the contract's codes
        assertProblem(api.put("/api/rooms/" + room + "/bans/nobody_" + System.nanoTime(), owner.token()), 404);
        assertProblem(api.delete("/api/rooms/" + room + "/bans/" + bob.name(), owner.token()), 404);
        long privateRoom = api.createRoom(owner, "PRIVATE");
        assertProblem(api.put("/api/rooms/" + privateRoom + "/bans/" + bob.name(), alice.token()), 404);
        long direct = api.directRoom(alice, bob);
        assertProblem(api.put("/api/rooms/" + direct + "/bans/" + bob.name(), alice.token()), 403);
    }
}
