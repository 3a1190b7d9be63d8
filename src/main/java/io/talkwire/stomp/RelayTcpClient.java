package io.talkwire.stomp;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.FutureMono;
import reactor.netty.NettyInbound;
import reactor.netty.NettyOutbound;
import reactor.netty.resources.LoopResources;
import reactor.netty.tcp.TcpClient;
import reactor.util.retry.Retry;

import org.springframework.messaging.Message;
import org.springframework.messaging.simp.stomp.StompBrokerRelayMessageHandler;
import org.springframework.messaging.simp.stomp.StompReactorNettyCodec;
import org.springframework.messaging.simp.stomp.StompTcpConnectionHandler;
import org.springframework.messaging.tcp.ReconnectStrategy;
import org.springframework.messaging.tcp.TcpConnection;
import org.springframework.messaging.tcp.TcpConnectionHandler;
import org.springframework.messaging.tcp.TcpOperations;
import org.springframework.messaging.tcp.reactor.ReactorNettyTcpConnection;

/**
 * The relay's TCP client: Spring's {@code ReactorNettyTcpClient}, with four differences.
 * <ul>
 * <li>A client session's frames from RabbitMQ are handed to the relay on the connection's own event loop, where they
 * were decoded, instead of on a second thread ({@code publishOn}): one thread hand-off less for every delivery. The
 * relay only puts them in the session's outbound queue, whose executor must never block nor run a frame on the
 * calling thread ({@link WebSocketConfig#configureClientOutboundChannel}). The system session's frames still move to
 * another thread, because handling one may forward a frame through the system session and wait for it to be
 * written.</li>
 * <li>Connections are not pooled: a session's connection is never reused, and Spring's pool stops at 10,000, so an
 * instance could not relay more sessions than that whatever its open-files limit.</li>
 * <li>Each connection goes to the node {@link RelayAddresses} names, and an attempt that fails there moves every later
 * one on to the next node of the cluster. The system session reconnects by itself (Spring's relay asks every 5 s),
 * each attempt to the node current at that moment; a client session whose node went away gets an ERROR frame and is
 * served by the next node when it connects again.</li>
 * <li>RabbitMQ's ERROR about a delivery to an ended subscription ({@link StaleDeliveryErrors}) is dropped as it is
 * decoded: the relay would log it as an error and hand it to the client's session, which Spring then closes.</li>
 * </ul>
 */
final class RelayTcpClient implements TcpOperations<byte[]> {

    private static final Logger log = LoggerFactory.getLogger(RelayTcpClient.class);

    private final RelayAddresses addresses;

    private final StompReactorNettyCodec codec = new StompReactorNettyCodec();

    private final ChannelGroup channels = new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE);

    private final LoopResources loops = LoopResources.create("relay-loop");

    /** Where the system session's connection is reported as opened, its frames handled and its reconnects wait. */
    private final Scheduler scheduler = Schedulers.newSingle("relay-system");

    private final TcpClient client;

    private volatile boolean stopping;

    private final LongAdder staleDeliveryErrors = new LongAdder();

    RelayTcpClient(RelayAddresses addresses) {
        this.addresses = addresses;
        this.client = TcpClient.newConnection()
            .runOn(loops, false)
            .doOnConnected(connection -> channels.add(connection.channel()));
    }

    @Override
    public CompletableFuture<@Nullable Void> connectAsync(TcpConnectionHandler<byte[]> handler) {
        if (stopping) {
            return shuttingDown(handler);
        }
        Attempts attempts = new Attempts(handler);
        return client(attempts).connect().doOnError(attempts::afterConnectFailure).then().toFuture();
    }

    @Override
    public CompletableFuture<@Nullable Void> connectAsync(TcpConnectionHandler<byte[]> handler,
            ReconnectStrategy strategy) {
        if (stopping) {
            return shuttingDown(handler);
        }
        Attempts attempts = new Attempts(handler);
        CompletableFuture<@Nullable Void> first = new CompletableFuture<>();
        client(attempts).connect()
            .doOnNext(connection -> first.complete(null))
            .doOnError(first::completeExceptionally)
            .doOnError(attempts::afterConnectFailure)
            .flatMap(Connection::onDispose)
            .retryWhen(Retry.from(signals -> signals
                .flatMap(signal -> reconnect(signal.totalRetriesInARow(), strategy))))
            .repeatWhen(ends -> ends.scan(1, (count, end) -> count + 1)
                .flatMap(attempt -> reconnect(attempt, strategy)))
            .subscribe();
        return first;
    }

    private TcpClient client(Attempts attempts) {
        return client.remoteAddress(attempts::next).handle(new Handler(attempts));
    }

    private Publisher<Long> reconnect(long attempt, ReconnectStrategy strategy) {
        Long wait = strategy.getTimeToNextAttempt((int) attempt);
        return wait == null ? Mono.empty() : Mono.delay(Duration.ofMillis(wait), scheduler);
    }

    private static CompletableFuture<@Nullable Void> shuttingDown(TcpConnectionHandler<byte[]> handler) {
        IllegalStateException ex = new IllegalStateException("Shutting down.");
        handler.afterConnectFailure(ex);
        return CompletableFuture.failedFuture(ex);
    }

    /** Closes every connection, then stops the event loops and the scheduler. */
    @Override
    public CompletableFuture<@Nullable Void> shutdownAsync() {
        if (stopping) {
            return CompletableFuture.completedFuture(null);
        }
        stopping = true;
        return FutureMono.from(channels.close())
            .onErrorComplete()
            .then(loops.disposeLater())
            .onErrorComplete()
            .then(Mono.<Void>fromRunnable(scheduler::dispose))
            .toFuture();
    }

    /** RabbitMQ's ERRORs about a delivery to an ended subscription dropped so far (what the tests read). */
    long staleDeliveryErrors() {
        return staleDeliveryErrors.sum();
    }

    @Override
    public String toString() {
        return "RelayTcpClient" + addresses.all();
    }

    /** Wires one connection to its handler. */
    private final class Handler implements BiFunction<NettyInbound, NettyOutbound, Publisher<Void>> {

        private final TcpConnectionHandler<byte[]> handler;

        Handler(TcpConnectionHandler<byte[]> handler) {
            this.handler = handler;
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public Publisher<Void> apply(NettyInbound inbound, NettyOutbound outbound) {
            Sinks.Empty<Void> closed = Sinks.empty();
            TcpConnection<byte[]> connection = new ReactorNettyTcpConnection<>(inbound, outbound, codec, closed);
            inbound.withConnection(conn -> conn.addHandlerFirst(new Decoder()));
            Flux<Message<byte[]>> frames = (Flux) inbound.receiveObject().cast(Message.class);
            if (isClientSession(handler)) {
                // before any frame, or the connection's end, can reach the handler
                handler.afterConnected(connection);
            }
            else {
                scheduler.schedule(() -> handler.afterConnected(connection));
                frames = frames.publishOn(scheduler);
            }
            frames.subscribe(handler::handleMessage, handler::handleFailure, handler::afterConnectionClosed);
            return closed.asMono();
        }
    }

    /**
     * A client session of Spring's relay, whose handling of a frame only puts it in the session's outbound queue. The
     * system session (and anything unknown) is not: handling its frames may wait for a write on this event loop.
     */
    private static boolean isClientSession(TcpConnectionHandler<byte[]> handler) {
        TcpConnectionHandler<byte[]> inner = handler instanceof Attempts attempts ? attempts.delegate : handler;
        return inner instanceof StompTcpConnectionHandler<byte[]> stomp
                && !StompBrokerRelayMessageHandler.SYSTEM_SESSION_ID.equals(stomp.getSessionId());
    }

    /** Turns the bytes of a connection into STOMP frames, on its event loop, and drops stale-delivery ERRORs. */
    private final class Decoder extends ByteToMessageDecoder {

        @Override
        protected void decode(ChannelHandlerContext context, ByteBuf in, List<Object> out) {
            for (Message<byte[]> frame : codec.decode(in)) {
                if (StaleDeliveryErrors.isStale(frame)) {
                    staleDeliveryErrors.increment();
                    log.debug("Dropped RabbitMQ's ERROR about a delivery to an ended subscription");
                }
                else {
                    out.add(frame);
                }
            }
        }
    }

    /** One connection's attempts (one, or a reconnecting session's many): where each went, and whether it got through. */
    private final class Attempts implements TcpConnectionHandler<byte[]> {

        private final TcpConnectionHandler<byte[]> delegate;

        private @Nullable InetSocketAddress last;

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
