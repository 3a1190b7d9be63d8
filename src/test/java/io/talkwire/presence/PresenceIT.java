package io.talkwire.presence;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * JOIN / LEAVE with distinct-user online counts; a second tab adds neither; a session that ends leaves every room; a
 * crowd at once is counted right.
 */
class PresenceIT extends IntegrationTest {

    private static final int CROWD = 40;

    private static final int TABS = 15;

    @Test
    void joinAndLeaveCarryTheDistinctUserCount() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long room = api.createRoom(alice, "PUBLIC");
        String topic = "/topic/rooms." + room;
        try (StompTestClient aliceTab = connect(alice)) {
            Inbox aliceEvents = aliceTab.subscribe(topic);
            assertThat(onlineCount(api, room, alice)).isEqualTo(1);

            StompTestClient bobTab1 = connect(bob);
            bobTab1.subscribe(topic);
            assertPresence(next(aliceEvents, "JOIN", bob), "JOIN", room, bob, 1 + 1);

            // a second tab of bob's: no JOIN, and neither its UNSUBSCRIBE nor its close a LEAVE while the first stays
            StompTestClient bobTab2 = connect(bob);
            Inbox bobTab2Events = bobTab2.subscribe(topic);
            assertThat(onlineCount(api, room, alice)).isEqualTo(2);
            // the second tab also reads a room of its own, where its end does show: over REST, once handled
            long elsewhere = api.createRoom(alice, "PUBLIC");
            bobTab2.subscribe("/topic/rooms." + elsewhere);
            bobTab2Events.unsubscribe();
            bobTab2.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> onlineCount(api, elsewhere, alice) == 0);
            // the fence: a presence change of the room after the tab's UNSUBSCRIBE and end were handled (this instance
            // applies them in order and publishes a room's events in that order): carol's JOIN comes after any JOIN
            // or LEAVE of bob's that they caused
            User carol = api.newUser("carol");
            try (StompTestClient carolTab = connect(carol)) {
                carolTab.subscribe(topic);
                assertThat(aliceEvents.until(e -> "JOIN".equals(e.path("type").asString())
                        && carol.name().equals(e.path("user").asString())))
                    .noneMatch(e -> bob.name().equals(e.path("user").asString()));
            }
            assertPresence(next(aliceEvents, "LEAVE", carol), "LEAVE", room, carol, 2);
            assertThat(onlineCount(api, room, alice)).isEqualTo(2);
            JsonNode members = api.get("/api/rooms/" + room + "/members", alice.token()).json();
            assertThat(members.get(0).get("username").asString()).isEqualTo(alice.name());
            assertThat(members.get(0).get("online").asBoolean()).isTrue();

            // bob's last tab goes: LEAVE, one user left
            bobTab1.close();
            assertPresence(next(aliceEvents, "LEAVE", bob), "LEAVE", room, bob, 1);
            assertThat(onlineCount(api, room, alice)).isEqualTo(1);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(onlineCount(api, room, alice)).isZero());
    }

    @Test
    void unsubscribingAndDroppingTheSocketAreLeavesToo() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long room = api.createRoom(alice, "PUBLIC");
        String topic = "/topic/rooms." + room;
        try (StompTestClient aliceTab = connect(alice); StompTestClient bobTab = connect(bob)) {
            Inbox aliceEvents = aliceTab.subscribe(topic);
            Inbox bobEvents = bobTab.subscribe(topic);
            assertPresence(next(aliceEvents, "JOIN", bob), "JOIN", room, bob, 2);

            bobEvents.unsubscribe();
            assertPresence(next(aliceEvents, "LEAVE", bob), "LEAVE", room, bob, 1);

            bobTab.subscribe(topic);
            assertPresence(next(aliceEvents, "JOIN", bob), "JOIN", room, bob, 2);
        }
    }

    @Test
    void aSessionThatEndsLeavesEveryRoomItWasIn() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long first = api.createRoom(alice, "PUBLIC");
        long second = api.createRoom(alice, "PUBLIC");
        try (StompTestClient aliceTab = connect(alice)) {
            Inbox firstEvents = aliceTab.subscribe("/topic/rooms." + first);
            Inbox secondEvents = aliceTab.subscribe("/topic/rooms." + second);
            StompTestClient bobTab = connect(bob);
            bobTab.subscribe("/topic/rooms." + first);
            bobTab.subscribe("/topic/rooms." + second);
            assertPresence(next(firstEvents, "JOIN", bob), "JOIN", first, bob, 2);
            assertPresence(next(secondEvents, "JOIN", bob), "JOIN", second, bob, 2);

            bobTab.close();
            assertPresence(next(firstEvents, "LEAVE", bob), "LEAVE", first, bob, 1);
            assertPresence(next(secondEvents, "LEAVE", bob), "LEAVE", second, bob, 1);
        }
    }

    @Test
    void aCrowdArrivingAndLeavingAtOnceCountsEveryoneExactlyOnce() throws Exception {
        Api api = api();
        User watcher = api.newUser("watcher");
        User multi = api.newUser("multi");
        long room = api.createRoom(watcher, "PUBLIC");
        String topic = "/topic/rooms." + room;
        List<User> crowd = IntStream.range(0, CROWD).mapToObj(i -> api.newUser("crowd")).toList();
        try (StompTestClient watcherTab = connect(watcher)) {
            Inbox events = watcherTab.subscribe(topic);
            List<StompTestClient> tabs;
            try (ExecutorService parallel = Executors.newFixedThreadPool(16)) {
                List<Future<StompTestClient>> connecting = new ArrayList<>();
                for (User user : crowd) {
                    connecting.add(parallel.submit(() -> subscribed(user, topic)));
                }
                for (int i = 0; i < TABS; i++) {
                    connecting.add(parallel.submit(() -> subscribed(multi, topic))); // one user, many tabs
                }
                tabs = new ArrayList<>();
                for (Future<StompTestClient> tab : connecting) {
                    tabs.add(tab.get(30, TimeUnit.SECONDS));
                }
                // a JOIN per user (one for all of multi's tabs), counting 2 .. CROWD + 2 between them
                List<JsonNode> joins = next(events, CROWD + 1, "JOIN");
                assertThat(joins).extracting(e -> e.get("online").asLong())
                    .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(2, CROWD + 2).boxed().toList());
                assertThat(joins).filteredOn(e -> multi.name().equals(e.get("user").asString())).hasSize(1);
                assertThat(onlineCount(api, room, watcher)).isEqualTo(CROWD + 2);

                tabs.forEach(tab -> parallel.submit(tab::close));
            }
            // every one of them LEAVEs once, counting down to the watcher alone
            List<JsonNode> leaves = next(events, CROWD + 1, "LEAVE");
            assertThat(leaves).extracting(e -> e.get("online").asLong())
                .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, CROWD + 1).boxed().toList());
            assertThat(leaves).extracting(e -> e.get("user").asString()).doesNotHaveDuplicates();
            assertThat(events.drain(Duration.ofMillis(500))).noneMatch(e -> "LEAVE".equals(e.path("type").asString()));
            assertThat(onlineCount(api, room, watcher)).isEqualTo(1);
        }
    }

    private static List<JsonNode> next(Inbox inbox, int count, String type) {
        List<JsonNode> events = new ArrayList<>();
        while (events.size() < count) {
            events.add(inbox.next(type));
        }
        return events;
    }

    private StompTestClient subscribed(User user, String topic) {
        StompTestClient tab = connect(user);
        tab.subscribe(topic);
        return tab;
    }

    private static JsonNode next(Inbox inbox, String type, User user) {
        return inbox.next(e -> type.equals(e.path("type").asString()) && user.name().equals(e.path("user").asString()));
    }

    private static long onlineCount(Api api, long room, User reader) {
        return api.get("/api/rooms/" + room, reader.token()).json().get("onlineCount").asLong();
    }

    private static void assertPresence(JsonNode event, String type, long room, User user, long online) {
        assertThat(event.get("type").asString()).isEqualTo(type);
        assertThat(event.get("roomId").asLong()).isEqualTo(room);
        assertThat(event.get("user").asString()).isEqualTo(user.name());
        assertThat(event.get("online").asLong()).isEqualTo(online);
        assertThat(event.get("at").asString()).endsWith("Z");
    }
}
