-- Failed logins, per "user:<name>" and per "addr:<client address>", kept five minutes for throttling
-- (shared by every instance, so that a second instance is no second chance).
CREATE TABLE login_failures (
    key       VARCHAR(100) NOT NULL,
    failed_at TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_by_key ON login_failures (key, failed_at);
