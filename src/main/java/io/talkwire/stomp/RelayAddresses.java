package io.talkwire.stomp;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The STOMP plugin's address on each node of a RabbitMQ cluster. Every relay connection goes to the current node, so
 * a session's queues and its personal events share one node; a connection that could not be made there moves
 * everyone on to the next node, round the list.
 */
final class RelayAddresses {

    private final List<InetSocketAddress> addresses;

    private final AtomicInteger current = new AtomicInteger();

    private RelayAddresses(List<InetSocketAddress> addresses) {
        this.addresses = List.copyOf(addresses);
    }

    /**
     * {@code host:port} entries (IPv6 hosts in brackets); when there are none, each of {@code amqpAddresses}' hosts
     * with {@code defaultPort}.
     *
     * @throws IllegalArgumentException naming the entry that is not {@code host:port}
     */
    static RelayAddresses of(List<String> entries, List<String> amqpAddresses, int defaultPort) {
        List<String> given = entries.stream().map(String::strip).filter(entry -> !entry.isEmpty()).toList();
        if (given.isEmpty()) {
            return new RelayAddresses(amqpAddresses.stream()
                .map(amqp -> InetSocketAddress.createUnresolved(hostOf(amqp), defaultPort))
                .distinct()
                .toList());
        }
        return new RelayAddresses(given.stream().map(RelayAddresses::parse).distinct().toList());
    }

    /** Where the next relay connection goes. */
    InetSocketAddress current() {
        return addresses.get(current.get());
    }

    /** A connection to {@code address} could not be made: if it is still the current node, the next one is. */
    void failed(InetSocketAddress address) {
        int index = addresses.indexOf(address);
        if (index >= 0) {
            current.compareAndSet(index, (index + 1) % addresses.size());
        }
    }

    List<InetSocketAddress> all() {
        return addresses;
    }

    private static InetSocketAddress parse(String entry) {
        int colon = entry.lastIndexOf(':');
        String host = colon > 0 ? entry.substring(0, colon) : "";
        String port = colon > 0 ? entry.substring(colon + 1) : "";
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty() || !port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            throw new IllegalArgumentException(
                    "talkwire.relay.addresses: \"" + entry + "\" is not host:port (for example rabbitmq-1:61613)");
        }
        return InetSocketAddress.createUnresolved(host, Integer.parseInt(port));
    }

    /** The host of an AMQP address as Spring Boot gives it: {@code host:port}, maybe with a scheme or credentials. */
    private static String hostOf(String amqpAddress) {
        String address = amqpAddress.replaceFirst("^[a-z]+://", "").replaceFirst("^.*@", "").replaceFirst("/.*$", "");
        if (address.startsWith("[")) {
            return address.substring(1, address.indexOf(']'));
        }
        int colon = address.lastIndexOf(':');
        return colon > 0 ? address.substring(0, colon) : address;
    }
}
