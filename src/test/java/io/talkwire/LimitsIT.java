package io.talkwire;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

import io.talkwire.Api.User;
import io.talkwire.StompTestClient.Inbox;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every limit twice, so that a limit that ignored its property fails one of the two: on an instance without the
 * limits the test services raise, where application.yml's defaults (the documented ones) apply, and on an instance
 * configured with other values, each below its default, where exactly the configured number passes and the next is
 * refused. An instance that set the defaults explicitly would prove nothing about the properties being read.
 */
class LimitsIT extends IntegrationTest {

    /** Below its default (20), so that a burst stuck at the default lets more through. */
    private static final int SEND_BURST = 7;

    /** Below its default (10 a second), so that a refill at the default rate comes too soon. */
    private static final double SEND_PER_SECOND = 1;

    private static final int SESSIONS_PER_USER = 3;

    private static final int SUBSCRIPTIONS_PER_SESSION = 7;

    private static final int LOGIN_FAILURES = 3;

    private static final int ROOMS_PER_HOUR = 4;

    private static final int SIGNUPS_PER_HOUR = 3;

    /** What a deployment gets: application.yml's limits, none of them set by the test. */
    private static TalkwireInstance defaults;

    /** Every limit set, to a value other than its default. */
    private static TalkwireInstance configured;

    @BeforeAll
    static void startWithDefaultAndWithConfiguredLimits() {
        Set<String> raisedForOtherTests = TestServices.properties().keySet().stream()
            .filter(name -> name.startsWith("talkwire.limits."))
            .collect(Collectors.toSet());
        defaults = TalkwireInstance.start(Map.of(), raisedForOtherTests);
        configured = TalkwireInstance.start(Map.of("talkwire.limits.send-burst", SEND_BURST,
                "talkwire.limits.send-per-second", SEND_PER_SECOND,
                "talkwire.limits.sessions-per-user", SESSIONS_PER_USER,
                "talkwire.limits.subscriptions-per-session", SUBSCRIPTIONS_PER_SESSION,
                "talkwire.limits.login-failures", LOGIN_FAILURES,
                "talkwire.limits.rooms-per-hour", ROOMS_PER_HOUR,
                "talkwire.limits.signups-per-hour", SIGNUPS_PER_HOUR));
    }

    /**
     * Other test classes fail logins from this machine's address on purpose, within the throttle's window, and the
     * throttle is shared through PostgreSQL: this class's own logins from that address start from a clean slate.
     */
    @BeforeEach
    void forgetFailedLoginsFromThisMachine() {
        defaults.bean(JdbcClient.class).sql("DELETE FROM login_failures WHERE key LIKE 'addr:%' AND key NOT LIKE 'addr:203.0.%'")
            .update();
    }

    @AfterAll
    static void stop() {
        if (defaults != null) {
            defaults.close();
        }
        if (configured != null) {
            configured.close();
        }
    }

    @Test
    void sendsOverTheRateGetRateLimitedEventsAndTheSessionStaysOpen() {
        assertSendLimits(defaults, 20, 10, 10);
    }

    @Test
    void aConfiguredSendBurstAndRateAreTheOnesApplied() {
        assertSendLimits(configured, SEND_BURST, SEND_PER_SECOND, 3);
    }

    @Test
    void theTwentyFirstSessionOfAUserIsRefused() {
        assertSessionLimit(defaults, 20);
    }

    @Test
    void aConfiguredSessionLimitIsTheOneApplied() {
        assertSessionLimit(configured, SESSIONS_PER_USER);
    }

    @Test
    void theHundredAndFirstSubscriptionOfASessionIsRefused() {
        assertSubscriptionLimit(defaults, 100);
    }

    @Test
    void aConfiguredSubscriptionLimitIsTheOneApplied() {
        assertSubscriptionLimit(configured, SUBSCRIPTIONS_PER_SESSION);
    }

    @Test
    void repeatedFailedLoginsForOneUsernameFromOneAddressGet429ThereButNeverLockTheOwnerOut() {
        assertLoginFailuresPerUsernameAndAddress(defaults, 5);
    }

    @Test
    void oneAddressGuessingManyUsernamesGets429OnlyFarAboveWhatPeopleMistype() {
        assertLoginFailuresPerAddress(defaults, 5);
    }

    /** Guesses sent at once are counted one after the other: no more of them reach the password check than the limit. */
    @Test
    void concurrentGuessesGetNoMoreTriesThanTheLimit() {
        User dave = newUser("dave");
        String attacker = randomAddress();
        List<Integer> statuses;
        try (ExecutorService guessers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<CompletableFuture<Integer>> guesses = new ArrayList<>();
            for (int i = 0; i < 6 * LOGIN_FAILURES; i++) {
                guesses.add(CompletableFuture.supplyAsync(
                        () -> login(configured, dave.name(), "wrong password", attacker), guessers));
            }
            statuses = guesses.stream().map(CompletableFuture::join).toList();
        }
        assertThat(statuses).containsOnly(401, 429);
        assertThat(statuses.stream().filter(status -> status == 401).count()).isEqualTo(LOGIN_FAILURES);
        assertThat(login(configured, dave.name(), "secret-pass", randomAddress())).isEqualTo(200);
    }

    /**
     * An IPv6 client may take a fresh address of its /64 for every guess: each address of one /64 counts as the same
     * one, and another /64 is another client.
     */
    @Test
    void everyIpv6AddressOfOneSlashSixtyFourCountsAsOneAddress() {
        User dave = newUser("dave");
        String network = randomIpv6Network();
        for (int i = 0; i < LOGIN_FAILURES; i++) {
            assertThat(login(configured, dave.name(), "wrong password", network + ":" + Integer.toHexString(i + 1) + ":0:0:1"))
                .isEqualTo(401);
        }
        assertThat(login(configured, dave.name(), "secret-pass", network + ":ffff:1:2:3")).isEqualTo(429);
        assertThat(login(configured, dave.name(), "secret-pass", randomIpv6Network() + "::1")).isEqualTo(200);
    }

    /** A signup or a room refused for what it holds (400) does not use up the address's signups or the user's rooms. */
    @Test
    void onlyRequestsThatMaySucceedCountAgainstTheHourlyLimits() {
        String address = randomAddress();
        for (int i = 0; i < SIGNUPS_PER_HOUR + 2; i++) {
            assertThat(post(configured, "/api/auth/signup",
                    "{\"username\":\"%s\",\"password\":\"short\"}".formatted(Api.uniqueName("typo")), address)
                .statusCode()).isEqualTo(400);
        }
        assertSignupsLeft(configured, address, SIGNUPS_PER_HOUR);
        User gina = newUser("gina");
        for (int i = 0; i < ROOMS_PER_HOUR + 2; i++) {
            assertThat(configured.api().post("/api/rooms", gina.token(), "{\"name\":\"r\",\"kind\":\"SECRET\"}").status())
                .isEqualTo(400);
        }
        for (int i = 0; i < ROOMS_PER_HOUR; i++) {
            assertThat(configured.api().post("/api/rooms", gina.token(), "{\"name\":\"r\",\"kind\":\"PUBLIC\"}").status())
                .isEqualTo(201);
        }
        assertThat(configured.api().post("/api/rooms", gina.token(), "{\"name\":\"r\",\"kind\":\"PUBLIC\"}").status())
            .isEqualTo(429);
    }

    /** {@code left} signups from the address pass, the next is 429. */
    private static void assertSignupsLeft(TalkwireInstance instance, String address, int left) {
        for (int i = 0; i < left; i++) {
            assertThat(signup(instance, Api.uniqueName("mass"), address)).isEqualTo(201);
        }
        assertThat(signup(instance, Api.uniqueName("mass"), address)).isEqualTo(429);
    }

    @Test
    void aConfiguredLoginFailureLimitIsTheOneAppliedPerUsernameAndPerAddress() {
        assertLoginFailuresPerUsernameAndAddress(configured, LOGIN_FAILURES);
        assertLoginFailuresPerAddress(configured, LOGIN_FAILURES);
    }

    @Test
    void eachSessionOfAUserHasASendBucketOfItsOwn() {
        Api api = configured.api();
        User hana = newUser("hana");
        long room = api.createRoom(hana, "PUBLIC");
        String destination = "/app/rooms." + room + ".send";
        try (StompTestClient first = StompTestClient.connect(configured.port(), hana.token());
                StompTestClient second = StompTestClient.connect(configured.port(), hana.token())) {
            Inbox firstErrors = first.subscribe("/user/queue/errors");
            Map<String, CompletableFuture<Void>> emptying = new LinkedHashMap<>();
            for (int i = 0; i < SEND_BURST + 3; i++) {
                emptying.put("a" + i, first.send(destination, "{\"content\":\"a" + i + "\"}", "a" + i));
            }
            assertThat(refused(firstErrors, emptying)).isNotEmpty();
            // the same user's other session still has its whole burst
            Inbox secondErrors = second.subscribe("/user/queue/errors");
            Map<String, CompletableFuture<Void>> sends = new LinkedHashMap<>();
            for (int i = 0; i < SEND_BURST; i++) {
                sends.put("b" + i, second.send(destination, "{\"content\":\"b" + i + "\"}", "b" + i));
            }
            assertThat(refused(secondErrors, sends)).isEmpty();
        }
    }

    /**
     * A user's REST sends share one bucket as large as all the sessions the user may hold (3 x 7, refilled 3 x 1 a
     * second), and leave each STOMP session's bucket alone.
     */
    @Test
    void restSendsHaveABucketAsLargeAsAllOfTheUsersSessions() {
        Api api = configured.api();
        User frank = newUser("frank");
        long room = api.createRoom(frank, "PUBLIC");
        int burst = SEND_BURST * SESSIONS_PER_USER;
        double perSecond = SEND_PER_SECOND * SESSIONS_PER_USER;
        List<Integer> statuses = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < burst + 30; i++) {
            Api.Response response = api.post("/api/rooms/" + room + "/messages", frank.token(), "{\"content\":\"m" + i + "\"}");
            statuses.add(response.status());
            if (response.status() == 429) {
                assertThat(response.contentType()).startsWith("application/problem+json");
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        assertThat(statuses).containsOnly(201, 429);
        assertThat(statuses.stream().filter(status -> status == 201).count())
            .as("201s of %d REST sends in %.3f s", statuses.size(), seconds)
            .isBetween((long) burst, burst + (long) Math.floor(perSecond * seconds));
        // a session of the same user has its own bucket, full
        try (StompTestClient client = StompTestClient.connect(configured.port(), frank.token())) {
            Inbox errors = client.subscribe("/user/queue/errors");
            Map<String, CompletableFuture<Void>> sends = new LinkedHashMap<>();
            for (int i = 0; i < SEND_BURST; i++) {
                sends.put("s" + i, client.send("/app/rooms." + room + ".send", "{\"content\":\"s" + i + "\"}", "s" + i));
            }
            assertThat(refused(errors, sends)).isEmpty();
        }
    }

    /** With the defaults, a script posts a few hundred messages over REST at once (a burst of 20 x 20). */
    @Test
    void aScriptPostsHundredsOfMessagesOverRestWithTheDefaults() {
        User gus = newUser("gus");
        long room = defaults.api().createRoom(gus, "PUBLIC");
        for (int i = 0; i < 300; i++) {
            Api.Response response = defaults.api().post("/api/rooms/" + room + "/messages", gus.token(), "{\"content\":\"m" + i + "\"}");
            assertThat(response.status()).as("send %d", i).isEqualTo(201);
        }
    }

    @Test
    void aUserCreatesAtMostThreeHundredRoomsAnHour() {
        assertRoomLimit(defaults, 300);
    }

    @Test
    void aConfiguredRoomLimitIsTheOneApplied() {
        assertRoomLimit(configured, ROOMS_PER_HOUR);
    }

    @Test
    void anAddressSignsUpManyUsersAtOnceWithTheDefaults() {
        // the default ceiling is 1,000 an hour: a hundred at once pass (each costs a bcrypt hash: not all 1,000 here)
        String address = randomAddress();
        for (int i = 0; i < 100; i++) {
            assertThat(signup(defaults, Api.uniqueName("many"), address)).as("signup %d", i).isEqualTo(201);
        }
    }

    @Test
    void aConfiguredSignupLimitIsTheOneApplied() {
        assertSignupLimit(configured, SIGNUPS_PER_HOUR);
    }

    /**
     * Of many SENDs at once, the {@code burst} pass and the rest get a RATE_LIMITED event and no RECEIPT, and the session
     * stays open; then the bucket refills at {@code perSecond}. A bucket that starts full lets through at most
     * {@code burst + perSecond * t} SENDs in the t seconds after the first, which bounds both counts from the
     * timestamps alone, however slow the machine: nothing waits for a fixed time.
     */
    private void assertSendLimits(TalkwireInstance instance, int burst, double perSecond, int refills) {
        Api api = instance.api();
        User alice = newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        String destination = "/app/rooms." + room + ".send";
        try (StompTestClient client = StompTestClient.connect(instance.port(), alice.token())) {
            Inbox errors = client.subscribe("/user/queue/errors");
            long started = System.nanoTime(); // before the first SEND, so before alice's bucket exists
            Map<String, CompletableFuture<Void>> sends = new LinkedHashMap<>();
            for (int i = 0; i < burst + 10; i++) {
                sends.put("r" + i, client.send(destination, "{\"content\":\"m" + i + "\"}", "r" + i));
            }
            Set<String> refused = refused(errors, sends);
            double seconds = (System.nanoTime() - started) / 1e9;
            int passed = sends.size() - refused.size();
            // the burst, and only what the bucket refilled meanwhile (none when that took under 1 / perSecond)
            assertThat(passed).as("SENDs passed of %d at once in %.3f s", sends.size(), seconds)
                .isBetween(burst, burst + (int) Math.floor(perSecond * seconds));
            assertThat(client.isConnected()).isTrue();

            // the bucket refills: SEND again until `refills` more than the burst have passed, which the rate allows
            // no sooner than refills / perSecond seconds after the first SEND
            int[] total = { passed };
            int[] attempts = { 0 };
            await().atMost(Duration.ofSeconds((long) Math.ceil(refills / perSecond) + 10))
                .pollInSameThread()
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    String id = "later" + attempts[0]++;
                    CompletableFuture<Void> receipt = client.send(destination, "{\"content\":\"" + id + "\"}", id);
                    if (refused(errors, Map.of(id, receipt)).isEmpty()) {
                        total[0]++;
                    }
                    return total[0] >= burst + refills;
                });
            double refilledAfter = (System.nanoTime() - started) / 1e9;
            assertThat(refilledAfter).as("seconds until %d SENDs had passed", total[0])
                .isGreaterThanOrEqualTo((total[0] - burst) / perSecond);
            assertThat(client.isConnected()).isTrue();
            // what passed is stored, once each, and nothing refused is
            assertThat(api.get("/api/rooms/" + room, alice.token()).json().get("lastSeq").asLong()).isEqualTo(total[0]);
        }
    }

    /**
     * Waits until each SEND is answered, by its RECEIPT or by a RATE_LIMITED event naming its receipt (a refused SEND
     * gets no RECEIPT), and returns the receipt ids of the refused ones.
     */
    private static Set<String> refused(Inbox errors, Map<String, CompletableFuture<Void>> sends) {
        Set<String> refused = new HashSet<>();
        long deadline = System.nanoTime() + StompTestClient.TIMEOUT.toNanos();
        while (!sends.entrySet().stream().allMatch(sent -> sent.getValue().isDone() || refused.contains(sent.getKey()))) {
            assertThat(System.nanoTime()).as("every SEND answered within %s", StompTestClient.TIMEOUT)
                .isLessThan(deadline);
            for (JsonNode error : errors.drain(Duration.ofMillis(10))) {
                assertThat(error.get("code").asString()).isEqualTo("RATE_LIMITED");
                refused.add(error.get("receiptId").asString());
            }
        }
        assertThat(sends.keySet()).containsAll(refused);
        sends.forEach((id, receipt) -> {
            boolean answeredOnce = refused.contains(id) ? !receipt.isDone() : !receipt.isCompletedExceptionally();
            assertThat(answeredOnce).as("%s: either a RECEIPT or a RATE_LIMITED event", id).isTrue();
        });
        return refused;
    }

    /** {@code limit} sessions of one user, not one more; a session that ends gives its place to one other. */
    private void assertSessionLimit(TalkwireInstance instance, int limit) {
        User bob = newUser("bob");
        List<StompTestClient> sessions = new ArrayList<>();
        try {
            for (int i = 0; i < limit; i++) {
                sessions.add(StompTestClient.connect(instance.port(), bob.token()));
            }
            assertThat(StompTestClient.refusedConnectWithToken(instance.port(), bob.token()))
                .contains("too many sessions: at most " + limit + " per user");
            sessions.removeFirst().close();
            // the server ends the session after the client has let go of it: until then a CONNECT is still refused
            await().ignoreExceptionsInstanceOf(IllegalStateException.class)
                .untilAsserted(() -> sessions.add(StompTestClient.connect(instance.port(), bob.token())));
            assertThat(StompTestClient.refusedConnectWithToken(instance.port(), bob.token()))
                .contains("too many sessions: at most " + limit + " per user");
        }
        finally {
            sessions.forEach(StompTestClient::close);
        }
    }

    private void assertSubscriptionLimit(TalkwireInstance instance, int limit) {
        User carol = newUser("carol");
        try (StompTestClient client = StompTestClient.connect(instance.port(), carol.token())) {
            for (int i = 0; i < limit; i++) {
                client.subscribe("/user/queue/errors");
            }
            assertThat(client.refusedSubscribe("/user/queue/events"))
                .contains("too many subscriptions: at most " + limit + " per session");
        }
    }

    /** {@code limit} failed logins for one username from one address pass (401), the next is 429 there only. */
    private void assertLoginFailuresPerUsernameAndAddress(TalkwireInstance instance, int limit) {
        User dave = newUser("dave");
        String attacker = randomAddress();
        for (int i = 0; i < limit; i++) {
            assertThat(login(instance, dave.name(), "wrong password", attacker)).isEqualTo(401);
        }
        assertThat(login(instance, dave.name(), "secret-pass", attacker)).isEqualTo(429);
        // one form of a username everywhere: no spelling of it is a fresh throttle key for the same account
        assertThat(login(instance, " " + dave.name().toUpperCase(Locale.ROOT) + "\\t", "secret-pass", attacker))
            .isEqualTo(429);
        // the owner, anywhere else, is not locked out
        assertThat(login(instance, dave.name(), "secret-pass", randomAddress())).isEqualTo(200);
    }

    /** One address may fail 20 times {@code limit} logins, whatever the usernames; the next is 429 from there only. */
    private void assertLoginFailuresPerAddress(TalkwireInstance instance, int limit) {
        User erin = newUser("erin");
        String office = randomAddress();
        for (int i = 0; i < limit; i++) {
            assertThat(login(instance, Api.uniqueName("typo"), "whatever1", office)).isEqualTo(401);
        }
        // colleagues' typos behind one NAT block nobody
        assertThat(login(instance, erin.name(), "secret-pass", office)).isEqualTo(200);
        for (int i = limit; i < 20 * limit; i++) {
            assertThat(login(instance, Api.uniqueName("guess"), "whatever1", office)).as("failed login %d", i + 1)
                .isEqualTo(401);
        }
        assertThat(login(instance, erin.name(), "secret-pass", office)).isEqualTo(429);
        assertThat(login(instance, erin.name(), "secret-pass", randomAddress())).isEqualTo(200);
    }

    /**
     * {@code limit} rooms at once, then 429; bounded by the timestamps as the send limits are (the bucket refills
     * {@code limit} an hour while the rooms are created).
     */
    private void assertRoomLimit(TalkwireInstance instance, int limit) {
        User gina = newUser("gina");
        long started = System.nanoTime();
        int created = 0;
        Api.Response refused = null;
        for (int i = 0; i < limit + 10 && refused == null; i++) {
            Api.Response response = instance.api().post("/api/rooms", gina.token(), "{\"name\":\"r" + i + "\",\"kind\":\"PUBLIC\"}");
            if (response.status() == 201) {
                created++;
            }
            else {
                refused = response;
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        assertThat(created).as("rooms created in %.1f s", seconds)
            .isBetween(limit, limit + (int) Math.floor(limit * seconds / 3600));
        assertThat(refused).isNotNull();
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.contentType()).startsWith("application/problem+json");
    }

    private static void assertSignupLimit(TalkwireInstance instance, int limit) {
        assertSignupsLeft(instance, randomAddress(), limit);
        assertThat(signup(instance, Api.uniqueName("mass"), randomAddress())).isEqualTo(201);
    }

    private static int signup(TalkwireInstance instance, String username, String clientAddress) {
        return post(instance, "/api/auth/signup", "{\"username\":\"%s\",\"password\":\"secret-pass\"}".formatted(username),
                clientAddress).statusCode();
    }

    private static HttpResponse<String> post(TalkwireInstance instance, String path, String body, String clientAddress) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + instance.port() + path))
            .header("Content-Type", "application/json")
            .header("X-Forwarded-For", clientAddress)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
        try {
            return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** As if behind nginx, which sets X-Forwarded-For (trusted from loopback and private networks only). */
    private static int login(TalkwireInstance instance, String username, String password, String clientAddress) {
        HttpResponse<String> response = post(instance, "/api/auth/login",
                "{\"username\":\"%s\",\"password\":\"%s\"}".formatted(username, password), clientAddress);
        if (response.statusCode() == 429) {
            assertThat(Api.parse(response.body()).get("detail").asString()).contains("too many failed logins");
        }
        return response.statusCode();
    }

    /** The first four groups of an IPv6 address in the documentation range. */
    private static String randomIpv6Network() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return "2001:db8:" + Integer.toHexString(random.nextInt(0x10000)) + ":" + Integer.toHexString(random.nextInt(0x10000));
    }

    private static String randomAddress() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return "203.0." + random.nextInt(256) + "." + random.nextInt(1, 255);
    }

    /**
     * Users come from the shared instance, whose signup limit is raised: the instances under test count signups per
     * address, and their own signup limit is what one test checks.
     */
    private User newUser(String prefix) {
        return api().newUser(prefix);
    }
}
