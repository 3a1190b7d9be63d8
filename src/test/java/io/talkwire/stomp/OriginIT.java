package io.talkwire.stomp;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;

import io.talkwire.IntegrationTest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketHttpHeaders;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.client.standard.StandardWebSocketClient;
import org.springframework.web.socket.handler.TextWebSocketHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** WebSocket handshakes and CORS honour talkwire.allowed-origins (default http://localhost:*). */
@ExtendWith(OutputCaptureExtension.class)
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

    /** An origin that is not even a URL is refused like a foreign one, not answered with 500 and a stack trace. */
    @Test
    void aHandshakeWithAMalformedOriginIsRefusedWithoutAnInternalError(CapturedOutput output) throws Exception {
        int before = output.getAll().length();
        for (String origin : List.of("http://localhost:x1", "http://localhost:99999", "::", "http://[::1")) {
            assertThat(rawHandshakeStatus("/ws", origin)).as(origin).isEqualTo(403);
            assertThat(rawHandshakeStatus("/ws-sockjs/websocket", origin)).as(origin).isIn(403, 404);
        }
        assertThat(output.getAll().substring(before)).doesNotContain("NumberFormatException", "\tat org.springframework");
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

    /** The status of a WebSocket upgrade request written by hand (the JDK's clients check the origin themselves). */
    private int rawHandshakeStatus(String path, String origin) throws Exception {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            String request = "GET " + path + " HTTP/1.1\r\nHost: localhost:" + port + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Protocol: v12.stomp\r\nOrigin: " + origin + "\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                .readLine();
            return Integer.parseInt(status.split(" ")[1]);
        }
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
