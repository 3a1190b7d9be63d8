package io.talkwire.stomp;

import java.net.InetSocketAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** Where relay connections go in a RabbitMQ cluster, and how a bad {@code talkwire.relay.addresses} is reported. */
class RelayAddressesTest {

    @Test
    void withoutRelayAddressesEachAmqpHostIsUsedWithTheRelayPort() {
        RelayAddresses addresses = RelayAddresses.of(List.of(),
                List.of("rabbitmq-1:5672", "amqp://user:secret@rabbitmq-2:5673/vhost", "[::1]:5672", "rabbitmq-1:5674"), 61613);
        assertThat(addresses.all()).containsExactly(address("rabbitmq-1", 61613), address("rabbitmq-2", 61613),
                address("::1", 61613));
    }

    @Test
    void relayAddressesAreTakenAsGivenOnceEach() {
        RelayAddresses addresses = RelayAddresses.of(List.of(" a:1", "b:61613 ", "[fe80::1]:2", "a:1"), List.of("ignored:5672"), 61613);
        assertThat(addresses.all()).containsExactly(address("a", 1), address("b", 61613), address("fe80::1", 2));
    }

    @Test
    void aFailedConnectionMovesEveryoneToTheNextNodeOnceAndRoundTheList() {
        RelayAddresses addresses = RelayAddresses.of(List.of("a:1", "b:2", "c:3"), List.of(), 61613);
        assertThat(addresses.current()).isEqualTo(address("a", 1));
        addresses.failed(address("a", 1));
        addresses.failed(address("a", 1)); // another session's failure on the same node: no second move
        assertThat(addresses.current()).isEqualTo(address("b", 2));
        addresses.failed(address("c", 3)); // not the current node: nothing moves
        assertThat(addresses.current()).isEqualTo(address("b", 2));
        addresses.failed(address("b", 2));
        addresses.failed(address("c", 3));
        assertThat(addresses.current()).isEqualTo(address("a", 1));
    }

    @Test
    void anEntryThatIsNotHostColonPortIsNamedInTheError() {
        for (String bad : List.of("rabbitmq-1", "rabbitmq-1:", ":61613", "rabbitmq-1:stomp", "rabbitmq-1:70000", "rabbitmq-1:0")) {
            assertThatIllegalArgumentException().isThrownBy(() -> RelayAddresses.of(List.of("ok:1", bad), List.of(), 61613))
                .withMessageContaining("talkwire.relay.addresses").withMessageContaining("\"" + bad + "\"");
        }
    }

    private static InetSocketAddress address(String host, int port) {
        return InetSocketAddress.createUnresolved(host, port);
    }
}
