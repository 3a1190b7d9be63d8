package io.talkwire.auth;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;

/**
 * What the per-address limits (failed logins, signups) count against: an IPv4 address, or the /64 network of an IPv6
 * one. A network gets at least a /64, so one client may take a fresh IPv6 address for every request, and counting
 * each address apart would give it a fresh count each time. An IPv4 address mapped into IPv6 counts as itself.
 */
final class ClientNetwork {

    private ClientNetwork() {
    }

    /** An address with a port, as some proxies write X-Forwarded-For: {@code 203.0.113.7:51234}, {@code [::1]:443}. */
    private static final Pattern WITH_PORT = Pattern.compile("(\\d{1,3}(?:\\.\\d{1,3}){3}|\\[[^\\]]*\\]):\\d{1,5}");

    /** The key of the request's client address (behind a trusted proxy, from X-Forwarded-For). */
    static String of(HttpServletRequest request) {
        return of(request.getRemoteAddr());
    }

    /**
     * The key of a client's address as the web server reports it (an IP literal, a port after it ignored); anything
     * else as it is.
     */
    static String of(String reported) {
        Matcher withPort = WITH_PORT.matcher(reported);
        String address = withPort.matches() ? withPort.group(1) : reported;
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

    /** As the JDK tells a literal from a host name: an ASCII hex digit, ':' or '['. */
    private static boolean startsAsLiteral(char first) {
        return first >= '0' && first <= '9' || first >= 'a' && first <= 'f' || first >= 'A' && first <= 'F'
                || first == ':' || first == '[';
    }
}
