-- Edited and deleted messages: a deleted message keeps its seq (no gap) and loses its content.
ALTER TABLE messages ADD COLUMN edited_at TIMESTAMPTZ;
ALTER TABLE messages ADD COLUMN deleted BOOLEAN NOT NULL DEFAULT false;

-- How far each member has read; a marker never moves back.
ALTER TABLE room_members ADD COLUMN last_read_seq BIGINT NOT NULL DEFAULT 0;

-- Who may not join a room again, and who said so.
CREATE TABLE room_bans (
    room_id   BIGINT      NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    username  VARCHAR(32) NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    banned_by VARCHAR(32) NOT NULL,
    banned_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (room_id, username)
);
