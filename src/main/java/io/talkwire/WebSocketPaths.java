package io.talkwire;

/** Where clients open their STOMP sessions: the WebSocket endpoint, and SockJS's with its transports under it. */
public final class WebSocketPaths {

    public static final String WEBSOCKET = "/ws";

    public static final String SOCKJS = "/ws-sockjs";

    private WebSocketPaths() {
    }

    /** Every handshake, and every SockJS request, as Ant patterns. */
    public static String[] patterns() {
        return new String[] {WEBSOCKET, WEBSOCKET + "/**", SOCKJS, SOCKJS + "/**"};
    }

    /** Whether a path within the application is one of {@link #patterns()}. */
    public static boolean matches(String path) {
        return under(path, WEBSOCKET) || under(path, SOCKJS);
    }

    private static boolean under(String path, String endpoint) {
        return path.startsWith(endpoint) && (path.length() == endpoint.length() || path.charAt(endpoint.length()) == '/');
    }
}
