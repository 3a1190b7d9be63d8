package io.talkwire.auth;

import java.time.Duration;
import java.util.Map;

import io.talkwire.Api;
import io.talkwire.Api.Response;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.TalkwireInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import static io.talkwire.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Refresh tokens (rotation, reuse, expiry), logout, and logout everywhere across two instances. */
class RefreshTokensIT extends IntegrationTest {

    @Autowired
    private JdbcClient jdbc;

    @Autowired
    private TokenService tokens;

    /** Failed refreshes count against this machine's address: leave no ceiling behind for other tests. */
    @AfterEach
    void forgetFailuresFromThisMachine() {
        jdbc.sql("DELETE FROM login_failures WHERE key LIKE 'addr:%' AND key NOT LIKE 'addr:203.0.%'").update();
    }

    @Test
    void loginGivesARefreshTokenThatLastsThirtyDaysAndIsStoredOnlyAsAHash() {
        Login login = login(api(), api().newUser("fresh"));
        assertThat(login.json().get("refreshExpiresIn").asLong()).isEqualTo(Duration.ofDays(30).toSeconds());
        assertThat(login.refreshToken()).hasSizeGreaterThanOrEqualTo(43);
        // one row per login (newUser logged in once too), keyed by the token's SHA-256, and nothing else of it
        assertThat(jdbc.sql("SELECT count(*) FROM refresh_tokens WHERE username = ?").param(login.user().name())
            .query(Long.class).single()).isEqualTo(2);
        assertThat(jdbc.sql("SELECT count(*) FROM refresh_tokens WHERE username = ? AND token_hash = sha256(convert_to(?, 'UTF8'))")
            .params(login.user().name(), login.refreshToken())
            .query(Long.class).single()).isEqualTo(1);
    }

    @Test
    void eachRefreshRotatesAndASpentTokenPresentedAgainRevokesTheWholeLogin() {
        Api api = api();
        User user = api.newUser("rotate");
        Login first = login(api, user);
        Login otherDevice = login(api, user);

        Response refreshed = refresh(api, first.refreshToken());
        assertThat(refreshed.status()).isEqualTo(200);
        String second = refreshed.json().get("refreshToken").asString();
        assertThat(second).isNotEqualTo(first.refreshToken());
        assertThat(refreshed.json().get("refreshExpiresIn").asLong()).isPositive();
        assertThat(refreshed.json().get("tokenType").asString()).isEqualTo("Bearer");
        String access = refreshed.json().get("accessToken").asString();
        assertThat(api.get("/api/me", access).json().get("username").asString()).isEqualTo(user.name());

        // the spent token again, right away: someone else may hold it; refused, and the token that replaced it dies
        assertProblem(refresh(api, first.refreshToken()), 401);
        assertThat(storedUnspent(second)).isFalse();
        assertProblem(refresh(api, second), 401);
        // another login of the same user is not touched
        assertThat(refresh(api, otherDevice.refreshToken()).status()).isEqualTo(200);
    }

    @Test
    void anExpiredRefreshTokenIsRefused() {
        try (TalkwireInstance shortLived = TalkwireInstance.start(Map.of("talkwire.jwt.refresh-ttl", "2s"))) {
            Api api = shortLived.api();
            Login login = login(api, api.newUser("expiring"));
            assertThat(login.json().get("refreshExpiresIn").asLong()).isEqualTo(2);
            Login another = login(api, login.user());
            assertThat(refresh(api, another.refreshToken()).status()).isEqualTo(200); // valid while young
            // presented once only, once the database's clock has passed its expiry: refused for that alone
            await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql(
                    "SELECT count(*) FROM refresh_tokens WHERE token_hash = sha256(convert_to(?, 'UTF8')) AND expires_at < now()")
                .param(login.refreshToken())
                .query(Long.class)
                .single() == 1);
            assertProblem(refresh(api, login.refreshToken()), 401);
            assertThat(storedUnspent(login.refreshToken())).isTrue();
        }
    }

    @Test
    void logoutRevokesThatLoginOnly() {
        Api api = api();
        User user = api.newUser("leaving");
        User stranger = api.newUser("stranger");
        Login login = login(api, user);
        Login otherDevice = login(api, user);

        assertProblem(api.post("/api/auth/logout", null, body(login.refreshToken())), 401);
        assertProblem(api.post("/api/auth/logout", stranger.token(), body(login.refreshToken())), 401);
        assertProblem(api.post("/api/auth/logout", user.token(), "{}"), 401);
        assertThat(api.post("/api/auth/logout", login.accessToken(), body(login.refreshToken())).status()).isEqualTo(204);

        assertProblem(refresh(api, login.refreshToken()), 401);
        assertThat(refresh(api, otherDevice.refreshToken()).status()).isEqualTo(200);
    }

    @Test
    void logoutEverywhereEndsEverySessionOnEveryInstanceAndEveryTokenOfTheUser() {
        try (TalkwireInstance second = TalkwireInstance.start()) {
            Api api = api();
            User user = api.newUser("everywhere");
            User bystander = api.newUser("bystander");
            Login phone = login(api, user);
            Login laptop = login(second.api(), user);
            StompTestClient here = connect(user);
            StompTestClient there = StompTestClient.connect(second.port(), laptop.accessToken());
            try (StompTestClient untouched = connect(bystander)) {
                long start = System.nanoTime();
                assertThat(api.post("/api/auth/logout-all", phone.accessToken(), "").status()).isEqualTo(204);

                assertThat(here.expectErrorAndClose()).contains("signed out everywhere");
                assertThat(there.expectErrorAndClose()).contains("signed out everywhere");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
                assertThat(untouched.isConnected()).isTrue();

                assertProblem(refresh(api, phone.refreshToken()), 401);
                assertProblem(refresh(second.api(), laptop.refreshToken()), 401);
                for (String token : new String[] { user.token(), phone.accessToken(), laptop.accessToken() }) {
                    assertProblem(api.get("/api/me", token), 401);
                    assertProblem(second.api().get("/api/me", token), 401);
                    assertThat(StompTestClient.refusedConnectWithToken(port, token)).contains("signed out everywhere");
                    assertThat(StompTestClient.refusedConnectWithToken(second.port(), token)).contains("signed out everywhere");
                }
                assertThat(api.get("/api/me", bystander.token()).status()).isEqualTo(200);

                // and signing in again works
                Login again = login(api, user);
                assertThat(second.api().get("/api/me", again.accessToken()).status()).isEqualTo(200);
                StompTestClient.connect(second.port(), again.accessToken()).close();
            }
        }
    }

    /** Clients that send their (expired) access token with every request can still renew it. */
    @Test
    void aStaleAuthorizationHeaderDoesNotStopARefresh() {
        Api api = api();
        Login login = login(api, api.newUser("stale"));
        String expired = tokens.issue(login.user().name(), java.time.Instant.now().minusSeconds(60)).accessToken();
        Response refreshed = api.post("/api/auth/refresh", expired, body(login.refreshToken()));
        assertThat(refreshed.status()).as(refreshed.toString()).isEqualTo(200);
    }

    /** A refresh and a logout everywhere of one user at the same moment never leave a usable refresh token. */
    @Test
    void aRefreshRacingLogoutEverywhereLeavesNothingValid() throws Exception {
        Api api = api();
        User user = api.newUser("racer");
        for (int round = 0; round < 20; round++) {
            Login login = login(api, user);
            var refreshing = java.util.concurrent.CompletableFuture.supplyAsync(() -> refresh(api, login.refreshToken()));
            assertThat(api.post("/api/auth/logout-all", login.accessToken(), "").status()).isEqualTo(204);
            Response refreshed = refreshing.get(30, java.util.concurrent.TimeUnit.SECONDS);
            if (refreshed.status() == 200) {
                String next = refreshed.json().get("refreshToken").asString();
                assertProblem(refresh(api, next), 401);
                assertProblem(api.get("/api/me", refreshed.json().get("accessToken").asString()), 401);
            }
        }
        assertThat(jdbc.sql("SELECT count(*) FROM refresh_tokens WHERE username = ?").param(user.name())
            .query(Long.class).single()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = { "{}", "{\"refreshToken\":null}", "{\"refreshToken\":\"\"}", "{\"refreshToken\":\"x\"}",
            "{\"refreshToken\":\"%00\\u0000\"}",
            "{\"refreshToken\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}" })
    void malformedAndUnknownRefreshTokensAre401(String requestBody) {
        assertProblem(api().post("/api/auth/refresh", null, requestBody), 401);
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "not json", "{\"refreshToken\":123}", "{\"refreshToken\":{}}", "[]" })
    void aBodyThatIsNoRefreshRequestIs400Or401NeverA500(String requestBody) {
        Response response = api().post("/api/auth/refresh", null, requestBody);
        assertThat(response.status()).as(response.toString()).isIn(400, 401);
        assertThat(response.contentType()).startsWith("application/problem+json");
    }

    @Test
    void aRefreshTokenIsNoAccessTokenAndAnAccessTokenNoRefreshToken() {
        Api api = api();
        Login login = login(api, api.newUser("mixup"));
        assertProblem(api.get("/api/me", login.refreshToken()), 401);
        assertThat(StompTestClient.refusedConnectWithToken(port, login.refreshToken())).isNotBlank();
        assertProblem(refresh(api, login.accessToken()), 401);
        assertThat(refresh(api, login.refreshToken()).status()).isEqualTo(200); // neither attempt spent it
    }

    /** Failed refreshes count like failed logins from one address: past 20 times login-failures, 429. */
    @Test
    void failedRefreshesAreThrottledPerAddress() {
        try (TalkwireInstance strict = TalkwireInstance.start(Map.of("talkwire.limits.login-failures", 2))) {
            Api api = strict.api();
            Login login = login(api, api.newUser("throttled"));
            jdbc.sql("DELETE FROM login_failures WHERE key LIKE 'addr:%' AND key NOT LIKE 'addr:203.0.%'").update();
            for (int i = 0; i < 40; i++) {
                assertProblem(refresh(api, "unknown-" + i), 401);
            }
            assertProblem(refresh(api, "unknown-41"), 429);
            // a good one is never refused for its address: nobody signs the people behind it out that way
            assertThat(refresh(api, login.refreshToken()).status()).isEqualTo(200);
        }
    }

    /** Whether the token is still stored (not revoked) and not spent. */
    private boolean storedUnspent(String refreshToken) {
        return jdbc.sql("SELECT count(*) FROM refresh_tokens WHERE token_hash = sha256(convert_to(?, 'UTF8')) AND spent_at IS NULL")
            .param(refreshToken)
            .query(Long.class)
            .single() == 1;
    }

    private static Response refresh(Api api, String refreshToken) {
        return api.post("/api/auth/refresh", null, body(refreshToken));
    }

    private static String body(String refreshToken) {
        return "{\"refreshToken\":\"" + refreshToken + "\"}";
    }

    private static Login login(Api api, User user) {
        Response response = api.login(user.name(), "secret-pass");
        assertThat(response.status()).isEqualTo(200);
        return new Login(user, response.json());
    }

    private record Login(User user, JsonNode json) {

        String refreshToken() {
            return json.get("refreshToken").asString();
        }

        String accessToken() {
            return json.get("accessToken").asString();
        }
    }
}
