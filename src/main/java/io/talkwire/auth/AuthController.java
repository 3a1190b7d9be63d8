package io.talkwire.auth;

import java.security.Principal;

import io.talkwire.auth.TokenService.TokenResponse;
import io.talkwire.auth.UserService.User;

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

    AuthController(UserService users, TokenService tokens) {
        this.users = users;
        this.tokens = tokens;
    }

    @PostMapping("/api/auth/signup")
    @ResponseStatus(HttpStatus.CREATED)
    User signup(@RequestBody Credentials credentials) {
        return users.signup(credentials.username(), credentials.password());
    }

    @PostMapping("/api/auth/login")
    TokenResponse login(@RequestBody Credentials credentials) {
        return users.authenticate(credentials.username(), credentials.password())
            .map(user -> tokens.issue(user.username()))
            .orElseThrow(() -> new ResponseStatusException(HttpStatus.UNAUTHORIZED, "wrong username or password"));
    }

    @GetMapping("/api/me")
    User me(Principal principal) {
        return users.find(principal.getName())
            .orElseThrow(() -> new ResponseStatusException(HttpStatus.UNAUTHORIZED, "the account no longer exists"));
    }

    record Credentials(String username, String password) {
    }
}
