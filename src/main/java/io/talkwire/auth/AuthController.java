package io.talkwire.auth;

import java.security.Principal;
import java.time.Instant;
import java.util.Optional;

import io.talkwire.RateLimiter;
import io.talkwire.TalkwireProperties;
import io.talkwire.auth.TokenService.TokenResponse;
import io.talkwire.auth.UserService.User;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

@RestController
class AuthController {

    private final UserService users;

    private final TokenService tokens;

    private final LoginThrottle throttle;

    /** Signups each client address may still make: each costs a bcrypt hash, which others' requests wait behind. */
    private final RateLimiter signups;

    private final ApplicationEventPublisher events;

    AuthController(UserService users, TokenService tokens, LoginThrottle throttle, TalkwireProperties properties,
            ApplicationEventPublisher events) {
        this.users = users;
        this.tokens = tokens;
        this.throttle = throttle;
        this.events = events;
        this.signups = properties.limits().hourly(properties.limits().signupsPerHour());
    }

    @PostMapping("/api/auth/signup")
    @ResponseStatus(HttpStatus.CREATED)
    User signup(@RequestBody Credentials credentials, HttpServletRequest request) {
        UserService.NewAccount account = users.checked(credentials.username(), credentials.password());
        // only a signup that may succeed is counted: a mistyped password costs nobody a signup
        if (!signups.tryAcquire(ClientNetwork.of(request))) {
            throw new ResponseStatusException(HttpStatus.TOO_MANY_REQUESTS, "too many signups from this address: try again later");
        }
        return users.signup(account);
    }

    @PostMapping("/api/auth/login")
    TokenResponse login(@RequestBody Credentials credentials, HttpServletRequest request) {
        String address = ClientNetwork.of(request);
        Instant attempted = throttle.attempt(credentials.username(), address)
            .orElseThrow(() -> new ResponseStatusException(HttpStatus.TOO_MANY_REQUESTS,
                    "too many failed logins; try again in " + LoginThrottle.WINDOW.toMinutes() + " minutes"));
        Optional<User> user = users.authenticate(credentials.username(), credentials.password());
        if (user.isEmpty()) {
            throw new ResponseStatusException(HttpStatus.UNAUTHORIZED, "wrong username or password");
        }
        throttle.succeeded(credentials.username(), address, attempted);
        return tokens.login(user.get().username());
    }

    /**
     * Failed refreshes count against the client address, as failed logins do, and past its ceiling the address gets
     * 429 instead of 401; a valid refresh token is never refused for its address (nobody can sign others out that way).
     */
    @PostMapping("/api/auth/refresh")
    TokenResponse refresh(@RequestBody(required = false) RefreshRequest body, HttpServletRequest request) {
        Optional<TokenResponse> refreshed = Optional.ofNullable(body)
            .map(RefreshRequest::refreshToken)
            .flatMap(tokens::refresh);
        if (refreshed.isPresent()) {
            return refreshed.get();
        }
        String address = ClientNetwork.of(request);
        if (throttle.isBlocked(address)) {
            throw new ResponseStatusException(HttpStatus.TOO_MANY_REQUESTS,
                    "too many failed attempts; try again in " + LoginThrottle.WINDOW.toMinutes() + " minutes");
        }
        throttle.failed(address);
        throw new ResponseStatusException(HttpStatus.UNAUTHORIZED, "the refresh token is unknown, expired or spent");
    }

    @PostMapping("/api/auth/logout")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void logout(@RequestBody(required = false) RefreshRequest body, Principal principal) {
        if (body == null || body.refreshToken() == null || !tokens.logout(body.refreshToken(), principal.getName())) {
            throw new ResponseStatusException(HttpStatus.UNAUTHORIZED, "not a refresh token of this user");
        }
    }

    /** Every login ends; the STOMP sessions of the user, on every instance, are ended by whoever listens. */
    @PostMapping("/api/auth/logout-all")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void logoutEverywhere(Principal principal) {
        tokens.logoutEverywhere(principal.getName());
        events.publishEvent(new SignedOutEverywhere(principal.getName()));
    }

    @GetMapping("/api/me")
    User me(Principal principal) {
        return users.find(principal.getName())
            .orElseThrow(() -> new ResponseStatusException(HttpStatus.UNAUTHORIZED, "the account no longer exists"));
    }

    record Credentials(String username, String password) {
    }

    record RefreshRequest(String refreshToken) {
    }
}
