package io.talkwire.stomp;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

import reactor.netty.tcp.TcpClient;

import org.springframework.messaging.Message;
import org.springframework.messaging.simp.stomp.StompReactorNettyCodec;
import org.springframework.messaging.tcp.ReconnectStrategy;
import org.springframework.messaging.tcp.TcpConnection;
import org.springframework.messaging.tcp.TcpConnectionHandler;
import org.springframework.messaging.tcp.reactor.ReactorNettyTcpClient;

/**
 * The relay's TCP client for a RabbitMQ cluster of several nodes (with one node, Spring's own is used): each connection
 * goes to the node {@link RelayAddresses} names, and an attempt that fails there moves every later one on to the next
 * node. The relay's system session reconnects by itself (every 5 s), each attempt to the node current at that moment;
 * a client session whose node went away gets an ERROR frame and is served by the next node when it connects again.
 */
final class FailoverTcpClient extends ReactorNettyTcpClient<byte[]> {

    private final RelayAddresses addresses;

    FailoverTcpClient(RelayAddresses addresses) {
        super(client -> client, new StompReactorNettyCodec());
        this.addresses = addresses;
    }

    @Override
    public CompletableFuture<Void> connectAsync(TcpConnectionHandler<byte[]> handler) {
        return super.connectAsync(new Attempts(handler));
    }

    @Override
    public CompletableFuture<Void> connectAsync(TcpConnectionHandler<byte[]> handler, ReconnectStrategy strategy) {
        return super.connectAsync(new Attempts(handler), strategy);
    }

    @Override
    protected TcpClient extendTcpClient(TcpClient client, TcpConnectionHandler<byte[]> handler) {
        TcpClient extended = super.extendTcpClient(client, handler);
        return handler instanceof Attempts attempts ? extended.remoteAddress(attempts::next) : extended;
    }

    /** One connection's attempts (one, or a reconnecting session's many): where each went, and whether it got through. */
    private final class Attempts implements TcpConnectionHandler<byte[]> {

        private final TcpConnectionHandler<byte[]> delegate;

        private InetSocketAddress last;

        private boolean connected;

        Attempts(TcpConnectionHandler<byte[]> delegate) {
            this.delegate = delegate;
        }

        /** The address of the next attempt; a previous attempt that never connected counts as failed. */
        synchronized InetSocketAddress next() {
            lastFailedIfNotConnected();
            last = addresses.current();
            connected = false;
            return last;
        }

        private synchronized void lastFailedIfNotConnected() {
            if (last != null && !connected) {
                addresses.failed(last);
            }
        }

        @Override
        public void afterConnected(TcpConnection<byte[]> connection) {
            synchronized (this) {
                connected = true;
            }
            delegate.afterConnected(connection);
        }

        @Override
        public void afterConnectFailure(Throwable failure) {
            lastFailedIfNotConnected();
            delegate.afterConnectFailure(failure);
        }

        @Override
        public void handleMessage(Message<byte[]> message) {
            delegate.handleMessage(message);
        }

        @Override
        public void handleFailure(Throwable failure) {
            delegate.handleFailure(failure);
        }

        @Override
        public void afterConnectionClosed() {
            delegate.afterConnectionClosed();
        }
    }
}
