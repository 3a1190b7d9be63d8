package io.talkwire;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * An {@code Origin} header that is no origin at all ({@code http://localhost:x1}) is refused with 403, like a foreign
 * one: Spring's origin patterns fail on it with an internal error (HTTP 500 and a stack trace per request).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class OriginSyntax extends OncePerRequestFilter {

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String origin = request.getHeader(HttpHeaders.ORIGIN);
        if (origin != null && !"null".equals(origin) && !isOrigin(origin)) {
            response.setStatus(HttpStatus.FORBIDDEN.value());
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.getWriter().write("{\"type\":\"about:blank\",\"title\":\"Forbidden\",\"status\":403,"
                    + "\"detail\":\"the Origin header is not a valid origin\"}");
            return;
        }
        chain.doFilter(request, response);
    }

    /** scheme://host[:port], with a port of 0 to 65535 if any, and nothing else. */
    static boolean isOrigin(@Nullable String value) {
        try {
            URI uri = new URI(value);
            return uri.getScheme() != null && uri.getHost() != null && uri.getRawUserInfo() == null
                    && (uri.getRawPath() == null || uri.getRawPath().isEmpty()) && uri.getRawQuery() == null
                    && uri.getRawFragment() == null && uri.getPort() >= -1 && uri.getPort() <= 65535;
        }
        catch (URISyntaxException | NullPointerException ex) {
            return false;
        }
    }
}
