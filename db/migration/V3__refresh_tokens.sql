-- Refresh tokens, stored only as SHA-256 hashes. One login is one family: each refresh spends a token and adds the
-- next one of its family; a spent token presented again revokes the whole family (it was stolen).
CREATE TABLE refresh_tokens (
    token_hash BYTEA       PRIMARY KEY,
    family     UUID        NOT NULL,
    username   VARCHAR(32) NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    expires_at TIMESTAMPTZ NOT NULL,
    spent_at   TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_by_username ON refresh_tokens (username);

-- Access tokens carry the generation they were issued in; "log out everywhere" moves it on, and older tokens are
-- refused from then on.
ALTER TABLE users ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;
