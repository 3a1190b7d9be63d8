package io.talkwire;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy between Talkwire and one service (RabbitMQ's STOMP or AMQP port, PostgreSQL), or between a browser and
 * Talkwire, that a test cuts, stalls and restores, so that outages are tested without stopping the services other
 * tests use. Cut: every connection through it is closed and new ones are refused (nothing listens on its port).
 * Restore: it listens again on the same port.
 * Stall: the connections open now stay open but carry nothing more, and new ones are refused, as when a network
 * drops away without closing anything. It listens on the loopback address ({@link #host()}).
 */
public final class ChaosProxy implements AutoCloseable {

    private final String targetHost;

    private final int targetPort;

    private final int port;

    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

    private volatile ServerSocket listener;

    /** Connections are numbered as they are accepted; those below this number are stalled. */
    private final AtomicLong accepted = new AtomicLong();

    private volatile long stalledBelow;

    public ChaosProxy(String targetHost, int targetPort) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.listener = listen(0);
        this.port = listener.getLocalPort();
    }

    public int port() {
        return port;
    }

    /** Where it listens: point Talkwire at this host, not at the service's. */
    public String host() {
        return InetAddress.getLoopbackAddress().getHostAddress();
    }

    public synchronized void cut() {
        closeQuietly(listener);
        sockets.forEach(ChaosProxy::closeQuietly);
        sockets.clear();
    }

    /**
     * The network is gone without closing anything: the connections open now carry nothing more (what reaches the
     * proxy from either side is dropped, a side's close included; the other side's socket stays open until
     * {@link #cut()} or {@link #close()}), and new ones are refused until {@link #restore()}.
     */
    public synchronized void stall() {
        stalledBelow = accepted.get();
        closeQuietly(listener);
    }

    public synchronized void restore() {
        if (listener.isClosed()) {
            listener = listen(port);
        }
    }

    @Override
    public void close() {
        cut();
    }

    private ServerSocket listen(int onPort) {
        try {
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort));
            Thread.ofVirtual().start(() -> accept(server));
            return server;
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private void accept(ServerSocket server) {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            }
            catch (IOException cut) {
                return;
            }
            Socket upstream;
            try {
                upstream = new Socket(targetHost, targetPort);
            }
            catch (IOException refused) {
                closeQuietly(client);
                continue;
            }
            long number = register(server, client, upstream);
            if (number < 0) {
                continue;
            }
            Thread.ofVirtual().start(() -> pipe(client, upstream, number));
            Thread.ofVirtual().start(() -> pipe(upstream, client, number));
        }
    }

    /**
     * Under the same lock as {@link #cut()} and {@link #stall()}: a connection accepted just before either (while its
     * upstream connection was being made) would otherwise miss it and carry on through the outage. Returns the
     * connection's number, or -1 if it came too late.
     */
    private synchronized long register(ServerSocket server, Socket client, Socket upstream) {
        if (server.isClosed()) {
            closeQuietly(client);
            closeQuietly(upstream);
            return -1;
        }
        sockets.add(client);
        sockets.add(upstream);
        return accepted.getAndIncrement();
    }

    private void pipe(Socket from, Socket to, long number) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream(); // not closed here: closing a socket's stream closes the socket
            int read;
            while ((read = in.read(buffer)) >= 0) {
                if (number >= stalledBelow) {
                    out.write(buffer, 0, read);
                    out.flush();
                }
            }
        }
        catch (IOException ended) {
            // one side went away
        }
        finally {
            closeQuietly(from);
            sockets.remove(from);
            if (number >= stalledBelow) { // a stalled connection's other side hears nothing, not even the end
                closeQuietly(to);
                sockets.remove(to);
            }
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        }
        catch (Exception ignored) {
            // closing anyway
        }
    }
}
