package io.talkwire.stomp;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.messaging.converter.ByteArrayMessageConverter;
import org.springframework.util.MimeTypeUtils;
import org.springframework.messaging.converter.CompositeMessageConverter;
import org.springframework.messaging.converter.StringMessageConverter;
import org.springframework.messaging.simp.stomp.StompFrameHandler;
import org.springframework.messaging.simp.stomp.StompHeaders;
import org.springframework.messaging.simp.stomp.StompSession;
import org.springframework.messaging.simp.stomp.StompSessionHandlerAdapter;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.web.socket.WebSocketHttpHeaders;
import org.springframework.web.socket.messaging.WebSocketStompClient;
import org.springframework.web.socket.sockjs.client.RestTemplateXhrTransport;
import org.springframework.web.socket.sockjs.client.SockJsClient;
import org.springframework.web.socket.sockjs.client.Transport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SockJS fallback works over HTTP alone, for browsers behind proxies that block WebSockets: each poll or send is
 * a request of its own, on whatever connection the client has at hand.
 */
class SockJsIT extends IntegrationTest {

    @ParameterizedTest
    @ValueSource(booleans = { true, false })
    void aClientUsingOnlyHttpTransportsChats(boolean streaming) throws Exception {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        RestTemplateXhrTransport xhr = new RestTemplateXhrTransport();
        xhr.setXhrStreamingDisabled(!streaming);
        SimpleAsyncTaskExecutor polls = new SimpleAsyncTaskExecutor("sockjs-xhr-");
        polls.setDaemon(true); // a poll still open when the test ends must not keep the JVM alive
        xhr.setTaskExecutor(polls);
        SockJsClient sockJs = new SockJsClient(List.<Transport>of(xhr));
        WebSocketStompClient stomp = new WebSocketStompClient(sockJs);
        stomp.setMessageConverter(new CompositeMessageConverter(List.of(new StringMessageConverter(), new JsonAsBytes())));
        ThreadPoolTaskScheduler receipts = new ThreadPoolTaskScheduler();
        receipts.initialize();
        stomp.setTaskScheduler(receipts);
        StompHeaders connect = new StompHeaders();
        connect.add("Authorization", "Bearer " + alice.token());
        WebSocketHttpHeaders handshake = new WebSocketHttpHeaders();
        handshake.setOrigin("http://localhost:" + port);
        StompSession session = stomp
            .connectAsync("http://localhost:" + port + "/ws-sockjs", handshake, connect, new StompSessionHandlerAdapter() {
            })
            .get(15, TimeUnit.SECONDS);
        try {
            BlockingQueue<String> events = new LinkedBlockingQueue<>();
            StompHeaders subscribe = new StompHeaders();
            subscribe.setDestination("/topic/rooms." + room);
            subscribe.setReceipt("subscribed");
            StompSession.Receiptable subscribed = session.subscribe(subscribe, new StompFrameHandler() {
                @Override
                public Type getPayloadType(StompHeaders headers) {
                    return byte[].class;
                }

                @Override
                public void handleFrame(StompHeaders headers, Object payload) {
                    events.add(new String((byte[]) payload, StandardCharsets.UTF_8));
                }
            });
            BlockingQueue<Boolean> receipted = new LinkedBlockingQueue<>();
            subscribed.addReceiptTask(() -> receipted.add(true));
            assertThat(receipted.poll(15, TimeUnit.SECONDS)).isTrue();

            StompHeaders send = new StompHeaders();
            send.setDestination("/app/rooms." + room + ".send");
            send.setReceipt("sent");
            BlockingQueue<Boolean> sent = new LinkedBlockingQueue<>();
            // a String goes as text/plain: SockJS carries text frames only
            session.send(send, "{\"content\":\"over plain HTTP\"}")
                .addReceiptTask(() -> sent.add(true));
            assertThat(sent.poll(15, TimeUnit.SECONDS)).isTrue();
            String event;
            do {
                event = events.poll(15, TimeUnit.SECONDS);
                assertThat(event).as("a MESSAGE event").isNotNull();
            }
            while (!event.contains("\"MESSAGE\""));
            assertThat(Api.parse(event).get("content").asString()).isEqualTo("over plain HTTP");
        }
        finally {
            session.disconnect();
            stomp.stop();
            receipts.shutdown();
        }
    }

    /** Room events (application/json) as bytes; Spring's byte[] converter takes application/octet-stream only. */
    private static final class JsonAsBytes extends ByteArrayMessageConverter {

        JsonAsBytes() {
            addSupportedMimeTypes(MimeTypeUtils.APPLICATION_JSON);
        }
    }
}
