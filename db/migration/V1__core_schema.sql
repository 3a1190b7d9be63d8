-- Talkwire core schema: users, rooms and their members, messages numbered per room, live presence.

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      VARCHAR(32)  NOT NULL UNIQUE,
    password_hash VARCHAR(255) NOT NULL,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT now()
);

CREATE TABLE rooms (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       VARCHAR(100) NOT NULL,
    kind       VARCHAR(8)   NOT NULL CHECK (kind IN ('PUBLIC', 'PRIVATE', 'DIRECT')),
    owner      VARCHAR(32)  REFERENCES users (username),
    -- the two usernames of a DIRECT room, sorted: whoever opens it first, both find the same room
    direct_key VARCHAR(65)  UNIQUE,
    -- the room's message counter: locked and bumped in the sending transaction, so seq has no gaps
    last_seq   BIGINT       NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ  NOT NULL DEFAULT now()
);

CREATE TABLE room_members (
    room_id   BIGINT      NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    username  VARCHAR(32) NOT NULL REFERENCES users (username),
    role      VARCHAR(6)  NOT NULL CHECK (role IN ('OWNER', 'MEMBER')),
    joined_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (room_id, username)
);
CREATE INDEX room_members_by_user ON room_members (username);

CREATE TABLE messages (
    id                UUID          PRIMARY KEY,
    room_id           BIGINT        NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq               BIGINT        NOT NULL,
    sender            VARCHAR(32)   NOT NULL REFERENCES users (username),
    content           VARCHAR(4000) NOT NULL,
    client_message_id VARCHAR(100),
    sent_at           TIMESTAMPTZ   NOT NULL,
    UNIQUE (room_id, seq)
);
-- a retried send with the same clientMessageId is stored once
CREATE UNIQUE INDEX messages_idempotency ON messages (room_id, sender, client_message_id)
    WHERE client_message_id IS NOT NULL;

-- Every running Talkwire instance holds a lease; presence rows of an instance whose lease ran out
-- (it died without cleaning up) are removed by a survivor, which announces the LEAVEs.
CREATE TABLE instances (
    id          VARCHAR(32) PRIMARY KEY,
    lease_until TIMESTAMPTZ NOT NULL
);

-- One row per live STOMP subscription to a room topic, on any instance.
CREATE TABLE presence (
    session_id      VARCHAR(64)  NOT NULL,
    subscription_id VARCHAR(255) NOT NULL,
    instance_id     VARCHAR(32)  NOT NULL,
    room_id         BIGINT       NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    username        VARCHAR(32)  NOT NULL,
    PRIMARY KEY (session_id, subscription_id)
);
CREATE INDEX presence_by_room ON presence (room_id, username);
CREATE INDEX presence_by_instance ON presence (instance_id);
