package io.talkwire.auth;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;
import org.springframework.web.server.ResponseStatusException;

/** Accounts: signup, password checks, look-ups by username. */
@Service
public class UserService {

    private static final Pattern USERNAME = Pattern.compile("^[a-z0-9_.-]{3,32}$");

    private final JdbcClient jdbc;

    private final PasswordEncoder passwordEncoder;

    /** Compared against when the user does not exist, so that both answers take as long. */
    private final String dummyHash;

    UserService(JdbcClient jdbc, PasswordEncoder passwordEncoder) {
        this.jdbc = jdbc;
        this.passwordEncoder = passwordEncoder;
        this.dummyHash = passwordEncoder.encode("not-a-real-password");
    }

    /** A username and password fit for an account (400 otherwise); whether the name is free, {@link #signup} finds. */
    public NewAccount checked(@Nullable String rawUsername, @Nullable String password) {
        String username = normalize(rawUsername);
        if (!USERNAME.matcher(username).matches()) {
            throw badRequest("username must match ^[a-z0-9_.-]{3,32}$ (it is lower-cased first)");
        }
        int length = password == null ? 0 : password.codePointCount(0, password.length()); // characters, as content's
        if (length < 8 || length > 128) {
            throw badRequest("password must be 8 to 128 characters");
        }
        return new NewAccount(username, password);
    }

    /** Creates the account, or 409 if its username is taken. */
    public User signup(NewAccount account) {
        try {
            long id = jdbc.sql("INSERT INTO users (username, password_hash) VALUES (?, ?) RETURNING id")
                .params(account.username(), passwordEncoder.encode(account.password()))
                .query(Long.class)
                .single();
            return new User(id, account.username());
        }
        catch (DuplicateKeyException taken) {
            throw new ResponseStatusException(HttpStatus.CONFLICT, "username '" + account.username() + "' is taken");
        }
    }

    /** The user whose password this is; empty for a wrong password and an unknown user alike. */
    public Optional<User> authenticate(String rawUsername, String password) {
        String username = loginForm(rawUsername);
        Optional<Account> account = jdbc.sql("SELECT id, username, password_hash FROM users WHERE username = ?")
            .param(username)
            .query(Account.class)
            .optional();
        String hash = account.map(Account::passwordHash).orElse(dummyHash);
        boolean matches = password != null && passwordEncoder.matches(password, hash);
        return account.filter(a -> matches).map(a -> new User(a.id(), a.username()));
    }

    public Optional<User> find(String username) {
        return jdbc.sql("SELECT id, username FROM users WHERE username = ?")
            .param(normalize(username))
            .query(User.class)
            .optional();
    }

    /**
     * The one form of a username, used for signup and every look-up (a login's is {@link #loginForm}): surrounding
     * whitespace stripped, lower-cased. A control character anywhere is refused (400): {@code trim()} would drop some of them
     * and turn {@code "victim\u0001"} into {@code victim} for one check and not another.
     */
    public static String normalize(@Nullable String username) {
        String normalized = stripped(username);
        if (normalized.chars().anyMatch(Character::isISOControl)) {
            throw badRequest("a username must not contain control characters");
        }
        return normalized;
    }

    /**
     * The form a login looks its username up and is throttled by: {@link #normalize}d, but each control character
     * becomes U+FFFD instead of a 400. No account's name holds it, so such a login fails as any other unknown
     * username does (401, the same answer, counted by the throttle), and never reaches an account of a similar name.
     */
    static String loginForm(@Nullable String username) {
        int[] codePoints = stripped(username).codePoints()
            .map(c -> Character.isISOControl(c) ? 0xFFFD : c)
            .toArray();
        return new String(codePoints, 0, codePoints.length);
    }

    private static String stripped(@Nullable String username) {
        return username == null ? "" : username.strip().toLowerCase(Locale.ROOT);
    }

    private static ResponseStatusException badRequest(String detail) {
        return new ResponseStatusException(HttpStatus.BAD_REQUEST, detail);
    }

    private record Account(long id, String username, String passwordHash) {
    }

    /** A signup's username (in its one form) and password, both {@link #checked}: made there only. */
    public static final class NewAccount {

        private final String username;

        private final String password;

        private NewAccount(String username, String password) {
            this.username = username;
            this.password = password;
        }

        String username() {
            return username;
        }

        String password() {
            return password;
        }

        @Override
        public String toString() {
            return "NewAccount[" + username + "]"; // never the password, in a log or an exception
        }
    }

    public record User(long id, String username) {
    }
}
