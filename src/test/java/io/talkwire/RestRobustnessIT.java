package io.talkwire;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import io.talkwire.Api.User;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Broken REST input gets a problem+json answer with the right status, never a 500. */
class RestRobustnessIT extends IntegrationTest {

    private static User user;

    private static long room;

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
            POST | /api/auth/signup                 | {not json                                  | 400
            POST | /api/auth/signup                 | []                                         | 400
            POST | /api/auth/signup                 | {}                                         | 400
            POST | /api/auth/signup                 | {"username":42,"password":"longenough"}    | 400
            POST | /api/auth/signup                 | {"username":["a"],"password":"longenough"} | 400
            POST | /api/auth/signup                 | NULL                                       | 400
            POST | /api/auth/login                  | {"username":null,"password":null}          | 401
            POST | /api/auth/login                  | {"username":{},"password":"x"}             | 400
            POST | /api/rooms                       | {"name":"x","kind":"SECRET"}               | 400
            POST | /api/rooms                       | {"name":true,"kind":"PUBLIC"}              | 400
            POST | /api/rooms                       | {"kind":"PUBLIC"}                          | 400
            POST | /api/rooms                       | "just a string"                            | 400
            GET  | /api/rooms/abc                   | NULL                                       | 400
            GET  | /api/rooms/-1                    | NULL                                       | 404
            GET  | /api/rooms/99999999999999999999  | NULL                                       | 400
            GET  | /api/rooms/{room}/messages?limit=-5          | NULL                           | 400
            GET  | /api/rooms/{room}/messages?limit=99999999999 | NULL                           | 400
            GET  | /api/rooms/{room}/messages?after=abc         | NULL                           | 400
            GET  | /api/rooms/{room}/messages?before=-1         | NULL                           | 200
            POST | /api/rooms/{room}/messages       | {"content":{"nested":1}}                   | 400
            POST | /api/rooms/{room}/messages       | {"content":"ok","clientMessageId":5}       | 400
            POST | /api/rooms/{room}/messages       | {"content":null}                           | 400
            POST | /api/rooms/{room}/messages       | NULL                                       | 400
            PUT  | /api/rooms/{room}/members/NO%20SUCH | NULL                                    | 404
            DELETE | /api/rooms/424242424242/members/x | NULL                                    | 404
            POST | /api/direct/%2525                | NULL                                       | 400
            GET  | /api/nothing/here                | NULL                                       | 404
            PATCH | /api/rooms                      | {}                                         | 405
            """)
    void brokenInputGetsAProblemWithTheRightStatus(String method, String path, String body, int status) throws Exception {
        if (user == null) {
            user = api().newUser("robust");
            room = api().createRoom(user, "PUBLIC");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path.replace("{room}", String.valueOf(room))))
            .header("Authorization", "Bearer " + user.token())
            .header("Content-Type", "application/json")
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        if (status >= 400) {
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
            assertThat(response.body()).doesNotContain("Exception", "at org.", "SQL");
        }
    }

    @ParameterizedTest
    @CsvSource({ "/api/auth/signup", "/api/rooms" })
    void hugeBodiesAreRefusedBeforeTheyAreRead(String path) throws Exception {
        if (user == null) {
            user = api().newUser("robust");
            room = api().createRoom(user, "PUBLIC");
        }
        String huge = "{\"name\":\"" + "x".repeat(2 * 1024 * 1024) + "\",\"kind\":\"PUBLIC\"}";
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .header("Authorization", "Bearer " + user.token())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(huge))
            .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    }

    /** A body without Content-Length (chunked) is counted as it is read: over 1 MiB is a 413 too. */
    @ParameterizedTest
    @CsvSource({ "2097152,413", "100,201" })
    void chunkedBodiesAreLimitedToo(int nameLength, int status) throws Exception {
        if (user == null) {
            user = api().newUser("robust");
            room = api().createRoom(user, "PUBLIC");
        }
        byte[] body = ("{\"name\":\"" + "x".repeat(nameLength) + "\",\"kind\":\"PUBLIC\"}")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/rooms"))
            .header("Authorization", "Bearer " + user.token())
            .header("Content-Type", "application/json")
            // an input stream of unknown length: the JDK client sends it chunked, without Content-Length
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)))
            .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        if (status == 413) {
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        }
    }
}
