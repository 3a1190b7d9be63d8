package io.talkwire.room;

import java.util.List;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class RoomApiIT extends IntegrationTest {

    @Test
    void createdRoomsShowTheirOwnerAndCounts() {
        Api api = api();
        User alice = api.newUser("alice");
        Api.Response created = api.post("/api/rooms", alice.token(), "{\"name\":\"  Lobby  \",\"kind\":\"PUBLIC\"}");
        assertThat(created.status()).isEqualTo(201);
        JsonNode room = created.json();
        assertThat(room.get("name").asString()).isEqualTo("Lobby");
        assertThat(room.get("kind").asString()).isEqualTo("PUBLIC");
        assertThat(room.get("owner").asString()).isEqualTo(alice.name());
        assertThat(room.get("memberCount").asLong()).isEqualTo(1);
        assertThat(room.get("onlineCount").asLong()).isZero();
        assertThat(room.get("lastSeq").asLong()).isZero();
        assertThat(room.get("createdAt").asString()).endsWith("Z");

        assertThat(api.post("/api/rooms", alice.token(), "{\"name\":\"\",\"kind\":\"PUBLIC\"}").status()).isEqualTo(400);
        assertThat(api.post("/api/rooms", alice.token(), "{\"name\":\"%s\",\"kind\":\"PUBLIC\"}".formatted("n".repeat(101))).status())
            .isEqualTo(400);
        assertThat(api.post("/api/rooms", alice.token(), "{\"name\":\"x\",\"kind\":\"DIRECT\"}").status()).isEqualTo(400);
        assertThat(api.post("/api/rooms", alice.token(), "{\"name\":\"x\"}").status()).isEqualTo(400);
    }

    @Test
    void theRoomListHoldsEveryRoomOrAPageByIdWithACursor() {
        Api api = api();
        User owner = api.newUser("pager");
        List<Long> created = new java.util.ArrayList<>();
        for (int i = 0; i < 101; i++) { // more than any default page would hold
            created.add(api.createRoom(owner, "PRIVATE"));
        }
        String from = "/api/rooms?limit=2&after=" + (created.getFirst() - 1);
        List<Long> first = ids(api.get(from, owner.token()).json());
        assertThat(first).hasSize(2).isSorted();
        List<Long> second = ids(api.get("/api/rooms?limit=2&after=" + first.getLast(), owner.token()).json());
        assertThat(second).hasSize(2).isSorted().allMatch(id -> id > first.getLast());
        // without a limit: every room, as many as the pages hold together
        List<Long> all = ids(api.get("/api/rooms", owner.token()).json());
        assertThat(all).isSorted().containsAll(created);
        List<Long> paged = new java.util.ArrayList<>();
        List<Long> page;
        do {
            page = ids(api.get("/api/rooms?limit=500&after=" + (paged.isEmpty() ? 0 : paged.getLast()), owner.token()).json());
            paged.addAll(page);
        } while (page.size() == 500);
        assertThat(all).hasSizeGreaterThanOrEqualTo(paged.size()).containsAll(paged);
        assertThat(api.get("/api/rooms?limit=0", owner.token()).status()).isEqualTo(400);
        assertThat(api.get("/api/rooms?limit=501", owner.token()).status()).isEqualTo(400);
    }

    private static List<Long> ids(JsonNode rooms) {
        return rooms.valueStream().map(r -> r.get("id").asLong()).toList();
    }

    @Test
    void privateRoomsAreVisibleToMembersOnlyAndNeverLeak() {
        Api api = api();
        User owner = api.newUser("owner");
        User stranger = api.newUser("stranger");
        long publicRoom = api.createRoom(owner, "PUBLIC");
        long privateRoom = api.createRoom(owner, "PRIVATE");

        // the page of rooms just before these two (the database holds others' rooms too)
        String page = "/api/rooms?limit=10&after=" + (publicRoom - 1);
        JsonNode strangersList = api.get(page, stranger.token()).json();
        assertThat(strangersList.valueStream().map(r -> r.get("id").asLong())).contains(publicRoom).doesNotContain(privateRoom);
        assertThat(api.get(page, owner.token()).json().valueStream().map(r -> r.get("id").asLong()))
            .contains(publicRoom, privateRoom);

        assertThat(api.get("/api/rooms/" + privateRoom, stranger.token()).status()).isEqualTo(404);
        assertThat(api.get("/api/rooms/" + privateRoom + "/members", stranger.token()).status()).isEqualTo(404);
        assertThat(api.get("/api/rooms/" + privateRoom + "/messages", stranger.token()).status()).isEqualTo(404);
        assertThat(api.put("/api/rooms/" + privateRoom + "/members/" + stranger.name(), stranger.token()).status()).isEqualTo(404);
        assertThat(api.get("/api/rooms/" + publicRoom, stranger.token()).status()).isEqualTo(200);
        assertThat(api.get("/api/rooms/424242424242", stranger.token()).status()).isEqualTo(404);
    }

    @Test
    void publicRoomsAreJoinedByTheUsersThemselves() {
        Api api = api();
        User owner = api.newUser("owner");
        User bob = api.newUser("bob");
        User carol = api.newUser("carol");
        long room = api.createRoom(owner, "PUBLIC");
        String members = "/api/rooms/" + room + "/members/";

        assertThat(api.put(members + bob.name(), bob.token()).status()).isEqualTo(204);
        assertThat(api.put(members + bob.name(), bob.token()).status()).isEqualTo(204);
        assertThat(api.put(members + carol.name(), bob.token()).status()).isEqualTo(403);
        assertThat(api.put(members + "no_such_user_at_all", bob.token()).status()).isEqualTo(404);
        assertThat(api.get("/api/rooms/" + room, carol.token()).json().get("memberCount").asLong()).isEqualTo(2);

        JsonNode list = api.get("/api/rooms/" + room + "/members", carol.token()).json();
        assertThat(list).hasSize(2);
        assertThat(list.get(0).get("username").asString()).isEqualTo(owner.name());
        assertThat(list.get(0).get("role").asString()).isEqualTo("OWNER");
        assertThat(list.get(1).get("username").asString()).isEqualTo(bob.name());
        assertThat(list.get(1).get("role").asString()).isEqualTo("MEMBER");
        assertThat(list.get(1).get("online").asBoolean()).isFalse();

        assertThat(api.delete(members + bob.name(), carol.token()).status()).isEqualTo(403);
        assertThat(api.delete(members + carol.name(), carol.token()).status()).isEqualTo(404);
        assertThat(api.delete(members + bob.name(), bob.token()).status()).isEqualTo(204);
        assertThat(api.get("/api/rooms/" + room, carol.token()).json().get("memberCount").asLong()).isEqualTo(1);
    }

    @Test
    void theOwnerWhoLeavesAPublicRoomAndComesBackIsItsOwnerAgain() {
        Api api = api();
        User owner = api.newUser("owner");
        long room = api.createRoom(owner, "PUBLIC");
        String self = "/api/rooms/" + room + "/members/" + owner.name();

        assertThat(api.delete(self, owner.token()).status()).isEqualTo(204);
        assertThat(api.put(self, owner.token()).status()).isEqualTo(204);

        JsonNode list = api.get("/api/rooms/" + room + "/members", owner.token()).json();
        assertThat(list).hasSize(1);
        assertThat(list.get(0).get("role").asString()).isEqualTo("OWNER");
        assertThat(api.get("/api/rooms/" + room, owner.token()).json().get("owner").asString()).isEqualTo(owner.name());
    }

    /** Nobody else may add them back, and without them nobody could add anyone again. */
    @Test
    void theOwnerWhoLeavesTheirPrivateRoomMayComeBack() {
        Api api = api();
        User owner = api.newUser("owner");
        User bob = api.newUser("bob");
        long room = api.privateRoomWith(owner, bob);
        String members = "/api/rooms/" + room + "/members/";

        assertThat(api.delete(members + owner.name(), owner.token()).status()).isEqualTo(204);
        assertThat(api.get("/api/rooms/" + room, owner.token()).status()).isEqualTo(404);
        assertThat(api.put(members + owner.name(), bob.token()).status()).isEqualTo(403);
        assertThat(api.put(members + owner.name(), owner.token()).status()).isEqualTo(204);

        assertThat(api.get("/api/rooms/" + room, owner.token()).status()).isEqualTo(200);
        JsonNode list = api.get("/api/rooms/" + room + "/members", owner.token()).json();
        assertThat(list).extracting(m -> m.get("username").asString() + " " + m.get("role").asString())
            .containsExactlyInAnyOrder(owner.name() + " OWNER", bob.name() + " MEMBER");
        // only the owner comes back alone: a member who left is added by the owner
        assertThat(api.delete(members + bob.name(), bob.token()).status()).isEqualTo(204);
        assertThat(api.put(members + bob.name(), bob.token()).status()).isEqualTo(404);
    }

    @Test
    void theOwnerOfAPrivateRoomAddsAndRemovesMembers() {
        Api api = api();
        User owner = api.newUser("owner");
        User bob = api.newUser("bob");
        User carol = api.newUser("carol");
        long room = api.createRoom(owner, "PRIVATE");
        String members = "/api/rooms/" + room + "/members/";

        assertThat(api.put(members + bob.name(), owner.token()).status()).isEqualTo(204);
        assertThat(api.get("/api/rooms/" + room, bob.token()).status()).isEqualTo(200);
        assertThat(api.put(members + carol.name(), bob.token()).status()).isEqualTo(403);
        assertThat(api.put(members + carol.name(), owner.token()).status()).isEqualTo(204);
        assertThat(api.delete(members + carol.name(), bob.token()).status()).isEqualTo(403);
        assertThat(api.delete(members + carol.name(), owner.token()).status()).isEqualTo(204);
        assertThat(api.get("/api/rooms/" + room, carol.token()).status()).isEqualTo(404);
    }

    @Test
    void directRoomsAreOnePerPairAndNeedAnotherExistingUser() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        User eve = api.newUser("eve");
        JsonNode room = api.post("/api/direct/" + bob.name(), alice.token(), "").json();
        assertThat(room.get("kind").asString()).isEqualTo("DIRECT");
        assertThat(room.get("owner").isNull()).isTrue();
        assertThat(room.get("memberCount").asLong()).isEqualTo(2);
        assertThat(api.post("/api/direct/" + alice.name(), bob.token(), "").json().get("id")).isEqualTo(room.get("id"));

        long id = room.get("id").asLong();
        assertThat(api.get("/api/rooms/" + id, eve.token()).status()).isEqualTo(404);
        assertThat(api.put("/api/rooms/" + id + "/members/" + eve.name(), alice.token()).status()).isEqualTo(403);
        assertThat(api.post("/api/direct/" + alice.name(), alice.token(), "").status()).isEqualTo(400);
        assertThat(api.post("/api/direct/no_such_user_at_all", alice.token(), "").status()).isEqualTo(404);
    }

    /** Leaving a direct chat holds until I open it again; the other opening it does not bring me back. */
    @Test
    void whoLeftADirectRoomIsBackWhenTheyOpenItAgain() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long id = api.post("/api/direct/" + bob.name(), alice.token(), "").json().get("id").asLong();

        assertThat(api.delete("/api/rooms/" + id + "/members/" + alice.name(), alice.token()).status()).isEqualTo(204);
        assertThat(api.get("/api/rooms/" + id, alice.token()).status()).isEqualTo(404);
        assertThat(api.post("/api/direct/" + alice.name(), bob.token(), "").json().get("memberCount").asLong()).isEqualTo(1);
        assertThat(api.get("/api/rooms/" + id, alice.token()).status()).isEqualTo(404);

        JsonNode reopened = api.post("/api/direct/" + bob.name(), alice.token(), "").json();
        assertThat(reopened.get("id").asLong()).isEqualTo(id);
        assertThat(reopened.get("memberCount").asLong()).isEqualTo(2);
        assertThat(api.get("/api/rooms/" + id + "/messages", alice.token()).status()).isEqualTo(200);
    }
}
