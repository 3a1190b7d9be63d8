package io.talkwire.auth;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * What the per-address limits (failed logins, signups) count against: an IPv4 address, or the /64 network of an IPv6
 * one. A network gets at least a /64, so one client may take a fresh IPv6 address for every request, and counting
 * each address apart would give it a fresh count each time. An IPv4 address mapped into IPv6 counts as itself.
 */
final class ClientNetwork {

    private ClientNetwork() {
    }

    /** The key of a client's address as the web server reports it (an IP literal); anything else as it is. */
    static String of(String address) {
        if (address.indexOf(':') < 0 || !startsAsLiteral(address.charAt(0))) {
            return address; // IPv4, or not an IP literal: never looked up
        }
        InetAddress parsed;
        try {
            // starting with a hex digit, ':' or '[' and holding ':', it is parsed as an IPv6 literal or refused, never
            // looked up in DNS (X-Forwarded-For from a trusted proxy is taken as it is written)
            parsed = InetAddress.getByName(address);
        }
        catch (UnknownHostException | SecurityException notLiteral) {
            return address;
        }
        if (!(parsed instanceof Inet6Address)) {
            return parsed.getHostAddress(); // ::ffff:a.b.c.d
        }
        byte[] bytes = parsed.getAddress();
        StringBuilder network = new StringBuilder();
        for (int group = 0; group < 4; group++) {
            network.append(Integer.toHexString(((bytes[2 * group] & 0xff) << 8) | (bytes[2 * group + 1] & 0xff)))
                .append(':');
        }
        return network.append(":/64").toString();
    }

    private static boolean startsAsLiteral(char first) {
        return Character.digit(first, 16) >= 0 || first == ':' || first == '[';
    }
}
