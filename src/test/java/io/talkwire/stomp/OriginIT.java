package io.talkwire.stomp;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;

import io.talkwire.IntegrationTest;
import org.junit.jupiter.api.Test;

import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketHttpHeaders;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.client.standard.StandardWebSocketClient;
import org.springframework.web.socket.handler.TextWebSocketHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** WebSocket handshakes and CORS honour talkwire.allowed-origins (default http://localhost:*). */
class OriginIT extends IntegrationTest {

    @Test
    void aWebSocketHandshakeFromAForeignOriginIsRefused() {
        assertThatThrownBy(() -> handshake("http://evil.example")).hasStackTraceContaining("403");
    }

    @Test
    void aWebSocketHandshakeFromAnAllowedOriginIsAccepted() throws Exception {
        WebSocketSession session = handshake("http://localhost:5173");
        assertThat(session.isOpen()).isTrue();
        session.close();
    }

    @Test
    void corsPreflightsFromForeignOriginsAreRefused() throws Exception {
        assertThat(preflight("http://evil.example").statusCode()).isEqualTo(403);
        HttpResponse<String> allowed = preflight("http://localhost:3000");
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://localhost:3000");
    }

    private WebSocketSession handshake(String origin) throws Exception {
        WebSocketHttpHeaders headers = new WebSocketHttpHeaders();
        headers.setOrigin(origin);
        return new StandardWebSocketClient()
            .execute(new TextWebSocketHandler() {
                @Override
                protected void handleTextMessage(WebSocketSession session, TextMessage message) {
                }
            }, headers, URI.create("ws://localhost:" + port + "/ws"))
            .get(10, TimeUnit.SECONDS);
    }

    private HttpResponse<String> preflight(String origin) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/rooms"))
            .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "authorization,content-type")
            .build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }
}
