package io.talkwire.stomp;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.WebSocketHandlerDecorator;
import org.springframework.web.socket.handler.WebSocketHandlerDecoratorFactory;
import org.springframework.web.socket.handler.WebSocketSessionDecorator;

/**
 * Gives every WebSocket session an id unique across instances and restarts ({@code <instanceId>-<n>}). The
 * container's ids (Tomcat counts 0, 1, 2, ... per process; SockJS ids are chosen by the client) would collide
 * between instances, and the session id names the RabbitMQ routing key of {@code /user/queue/...} and the
 * presence rows: a collision would deliver one user's personal events to another.
 */
class UniqueSessionIds implements WebSocketHandlerDecoratorFactory {

    private final String prefix;

    private final AtomicLong counter = new AtomicLong();

    UniqueSessionIds(String instanceId) {
        this.prefix = instanceId + "-";
    }

    @Override
    public WebSocketHandler decorate(WebSocketHandler handler) {
        return new WebSocketHandlerDecorator(handler) {

            private final Map<WebSocketSession, WebSocketSession> renamed = new ConcurrentHashMap<>();

            @Override
            public void afterConnectionEstablished(WebSocketSession session) throws Exception {
                super.afterConnectionEstablished(rename(session));
            }

            @Override
            public void handleMessage(WebSocketSession session, WebSocketMessage<?> message) throws Exception {
                super.handleMessage(rename(session), message);
            }

            @Override
            public void handleTransportError(WebSocketSession session, Throwable exception) throws Exception {
                super.handleTransportError(rename(session), exception);
            }

            @Override
            public void afterConnectionClosed(WebSocketSession session, CloseStatus closeStatus) throws Exception {
                try {
                    super.afterConnectionClosed(rename(session), closeStatus);
                }
                finally {
                    renamed.remove(session);
                }
            }

            private WebSocketSession rename(WebSocketSession session) {
                return renamed.computeIfAbsent(session, original -> new Renamed(original,
                        prefix + Long.toString(counter.incrementAndGet(), 36)));
            }
        };
    }

    private static final class Renamed extends WebSocketSessionDecorator {

        private final String id;

        Renamed(WebSocketSession delegate, String id) {
            super(delegate);
            this.id = id;
        }

        @Override
        public String getId() {
            return id;
        }
    }
}
