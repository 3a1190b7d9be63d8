package io.talkwire.auth;

import java.util.List;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.Api.Response;
import io.talkwire.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class AuthApiIT extends IntegrationTest {

    @Autowired
    private LoginThrottle throttle;

    @Autowired
    private JdbcClient jdbc;

    /** A failure past the window is swept away even if its key never fails again; one within it stays counted. */
    @Test
    void failedLoginsOlderThanTheWindowAreForgotten() {
        String old = "pair:" + Api.uniqueName("gone") + "@198.51.100.1";
        String recent = "pair:" + Api.uniqueName("kept") + "@198.51.100.1";
        jdbc.sql("INSERT INTO login_failures (key, failed_at) VALUES (?, now() - interval '6 minutes'), (?, now() - interval '1 minute')")
            .params(old, recent)
            .update();

        throttle.forgetOld();

        assertThat(jdbc.sql("SELECT key FROM login_failures WHERE key IN (?, ?)").params(old, recent).query(String.class).list())
            .containsExactly(recent);
        jdbc.sql("DELETE FROM login_failures WHERE key = ?").param(recent).update();
    }

    @Test
    void signupLoginAndMe() {
        Api api = api();
        String name = Api.uniqueName("Dora");
        Response signup = api.post("/api/auth/signup", null, "{\"username\":\"%s\",\"password\":\"long enough\"}".formatted(name));
        assertThat(signup.status()).isEqualTo(201);
        assertThat(signup.json().get("username").asString()).isEqualTo(name.toLowerCase());
        assertThat(signup.json().get("id").asLong()).isPositive();

        Response login = api.login(name.toLowerCase(), "long enough");
        assertThat(login.status()).isEqualTo(200);
        assertThat(login.json().get("tokenType").asString()).isEqualTo("Bearer");
        assertThat(login.json().get("expiresIn").asLong()).isEqualTo(3600);

        Response me = api.get("/api/me", login.json().get("accessToken").asString());
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.json().get("username").asString()).isEqualTo(name.toLowerCase());
        assertThat(me.json().get("id").asLong()).isEqualTo(signup.json().get("id").asLong());
    }

    @Test
    void signupValidatesAndRefusesTakenNames() {
        Api api = api();
        String name = Api.uniqueName("eve");
        assertThat(api.post("/api/auth/signup", null, "{\"username\":\"%s\",\"password\":\"long enough\"}".formatted(name)).status())
            .isEqualTo(201);
        assertProblem(api.post("/api/auth/signup", null, "{\"username\":\"%s\",\"password\":\"other pass\"}".formatted(name.toUpperCase())), 409);
        assertProblem(api.post("/api/auth/signup", null, "{\"username\":\"ab\",\"password\":\"long enough\"}"), 400);
        assertProblem(api.post("/api/auth/signup", null, "{\"username\":\"no spaces\",\"password\":\"long enough\"}"), 400);
        assertProblem(api.post("/api/auth/signup", null, "{\"username\":\"%s\",\"password\":\"short\"}".formatted(Api.uniqueName("x"))), 400);
        assertProblem(api.post("/api/auth/signup", null, "{\"username\":\"%s\",\"password\":\"%s\"}".formatted(Api.uniqueName("x"), "p".repeat(129))), 400);
        assertProblem(api.post("/api/auth/signup", null, "{\"username\":"), 400);
        // characters, not UTF-16 units: 4 emoji are too short, 128 are not too long
        assertProblem(api.post("/api/auth/signup", null, "{\"username\":\"%s\",\"password\":\"%s\"}".formatted(Api.uniqueName("x"), "😀".repeat(4))), 400);
        assertThat(api.post("/api/auth/signup", null, "{\"username\":\"%s\",\"password\":\"%s\"}".formatted(Api.uniqueName("x"), "😀".repeat(128))).status())
            .isEqualTo(201);
    }

    /** bcrypt reads 72 bytes: 128 "é" are 256 bytes, and every one of them counts. */
    @Test
    void passwordsLongerThan72BytesAreAcceptedAndCountInFull() {
        Api api = api();
        String name = Api.uniqueName("long");
        String password = "é".repeat(127) + "a";
        assertThat(api.post("/api/auth/signup", null,
                "{\"username\":\"%s\",\"password\":\"%s\"}".formatted(name, password)).status()).isEqualTo(201);
        assertThat(api.login(name, password).status()).isEqualTo(200);
        assertProblem(api.login(name, "é".repeat(127) + "b"), 401);
        assertProblem(api.login(name, "é".repeat(36)), 401);
    }

    @Test
    void aUsernameWithAControlCharacterIsRefusedAtSignupAndFailsToLogIn() {
        Api api = api();
        User victim = api.newUser("victim");
        assertProblem(api.post("/api/auth/signup", null,
                "{\"username\":\"%s\\u0001\",\"password\":\"long enough\"}".formatted(Api.uniqueName("ctl"))), 400);
        // a login is 401 with the answer of a wrong password, even with the right password of a similar name
        Response wrongPassword = api.login(victim.name(), "not the password");
        for (String control : List.of("\\u0001", "\\u0000", "\\u007f")) {
            Response response = api.login(victim.name() + control, "secret-pass");
            assertProblem(response, 401);
            assertThat(response.json().get("detail")).isEqualTo(wrongPassword.json().get("detail"));
        }
    }

    @Test
    void loginFailsTheSameWayForWrongPasswordsAndUnknownUsers() {
        Api api = api();
        String name = api.newUser("frank").name();
        Response wrongPassword = api.login(name, "not the password");
        Response unknownUser = api.login(Api.uniqueName("nobody"), "not the password");
        assertProblem(wrongPassword, 401);
        assertProblem(unknownUser, 401);
        assertThat(wrongPassword.json().get("detail")).isEqualTo(unknownUser.json().get("detail"));
    }

    @Test
    void authenticatedCallsNeedAValidToken() {
        Api api = api();
        assertProblem(api.get("/api/me", null), 401);
        assertProblem(api.get("/api/me", "garbage"), 401);
        assertProblem(api.get("/api/rooms", null), 401);
        String token = api.newUser("gina").token();
        assertProblem(api.get("/api/me", token.substring(0, token.length() - 2) + "xx"), 401);
    }

    private static void assertProblem(Response response, int status) {
        assertThat(response.status()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        JsonNode problem = response.json();
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("title").asString()).isNotBlank();
        assertThat(problem.get("detail").asString()).isNotBlank();
    }
}
