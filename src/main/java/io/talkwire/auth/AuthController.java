package io.talkwire.auth;

import java.security.Principal;
import java.util.Optional;

import io.talkwire.auth.TokenService.TokenResponse;
import io.talkwire.auth.UserService.User;
import jakarta.servlet.http.HttpServletRequest;

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

    AuthController(UserService users, TokenService tokens, LoginThrottle throttle) {
        this.users = users;
        this.tokens = tokens;
        this.throttle = throttle;
    }

    @PostMapping("/api/auth/signup")
    @ResponseStatus(HttpStatus.CREATED)
    User signup(@RequestBody Credentials credentials) {
        return users.signup(credentials.username(), credentials.password());
    }

    @PostMapping("/api/auth/login")
    TokenResponse login(@RequestBody Credentials credentials, HttpServletRequest request) {
        String address = request.getRemoteAddr();
        if (throttle.isBlocked(credentials.username(), address)) {
            throw new ResponseStatusException(HttpStatus.TOO_MANY_REQUESTS,
                    "too many failed logins; try again in " + LoginThrottle.WINDOW.toMinutes() + " minutes");
        }
        Optional<User> user = users.authenticate(credentials.username(), credentials.password());
        if (user.isEmpty()) {
            throttle.failed(credentials.username(), address);
            throw new ResponseStatusException(HttpStatus.UNAUTHORIZED, "wrong username or password");
        }
        throttle.succeeded(user.get().username());
        return tokens.issue(user.get().username());
    }

    @GetMapping("/api/me")
    User me(Principal principal) {
        return users.find(principal.getName())
            .orElseThrow(() -> new ResponseStatusException(HttpStatus.UNAUTHORIZED, "the account no longer exists"));
    }

    record Credentials(String username, String password) {
    }
}
