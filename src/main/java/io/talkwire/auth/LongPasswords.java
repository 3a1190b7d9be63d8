package io.talkwire.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * Passwords of any length the contract allows (128 characters, up to 512 bytes in UTF-8) with bcrypt, which reads
 * only the first 72 bytes (and Spring's encoder refuses longer ones): a longer password is hashed with SHA-256 first,
 * so every byte of it counts. Passwords of up to 72 bytes are hashed as they are, as before.
 */
final class LongPasswords implements PasswordEncoder {

    private static final int BCRYPT_MAX_BYTES = 72;

    private final PasswordEncoder delegate;

    LongPasswords(PasswordEncoder delegate) {
        this.delegate = delegate;
    }

    @Override
    public String encode(CharSequence rawPassword) {
        return delegate.encode(fit(rawPassword));
    }

    @Override
    public boolean matches(CharSequence rawPassword, String encodedPassword) {
        return delegate.matches(fit(rawPassword), encodedPassword);
    }

    @Override
    public boolean upgradeEncoding(String encodedPassword) {
        return delegate.upgradeEncoding(encodedPassword);
    }

    static CharSequence fit(CharSequence rawPassword) {
        byte[] bytes = rawPassword.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= BCRYPT_MAX_BYTES) {
            return rawPassword;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "sha256:" + Base64.getEncoder().encodeToString(digest);
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("every JDK has SHA-256", ex);
        }
    }
}
