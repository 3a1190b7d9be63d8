package io.talkwire.auth;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ClientNetworkTest {

    @Test
    void anIpv4AddressIsItself() {
        assertThat(ClientNetwork.of("203.0.113.7")).isEqualTo("203.0.113.7");
    }

    @Test
    void everyIpv6AddressOfOneSlashSixtyFourIsOneNetwork() {
        assertThat(ClientNetwork.of("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).isEqualTo("2001:db8:1:2::/64");
        assertThat(ClientNetwork.of("2001:DB8:1:2::1")).isEqualTo("2001:db8:1:2::/64");
        assertThat(ClientNetwork.of("2001:0db8:0001:0002:0:0:0:ffff")).isEqualTo("2001:db8:1:2::/64");
        assertThat(ClientNetwork.of("[2001:db8:1:2::9]")).isEqualTo("2001:db8:1:2::/64");
        assertThat(ClientNetwork.of("2001:db8:1:3::1")).isEqualTo("2001:db8:1:3::/64");
        assertThat(ClientNetwork.of("::1")).isEqualTo("0:0:0:0::/64");
    }

    @Test
    void aPortAfterTheAddressIsLeftOut() {
        assertThat(ClientNetwork.of("203.0.113.7:51234")).isEqualTo("203.0.113.7");
        assertThat(ClientNetwork.of("[2001:db8:1:2::9]:443")).isEqualTo("2001:db8:1:2::/64");
    }

    @Test
    void anIpv4AddressMappedIntoIpv6IsTheIpv4Address() {
        assertThat(ClientNetwork.of("::ffff:203.0.113.7")).isEqualTo("203.0.113.7");
    }

    @Test
    void somethingElseIsKeptAsItIs() {
        assertThat(ClientNetwork.of("not:an:address")).isEqualTo("not:an:address");
        assertThat(ClientNetwork.of("x:host.example")).isEqualTo("x:host.example");
        assertThat(ClientNetwork.of("abc:xyz")).isEqualTo("abc:xyz");
        assertThat(ClientNetwork.of("[::1")).isEqualTo("[::1");
        assertThat(ClientNetwork.of("\u0661:host.example")).isEqualTo("\u0661:host.example"); // a digit, not ASCII
        assertThat(ClientNetwork.of("unknown")).isEqualTo("unknown");
    }
}
