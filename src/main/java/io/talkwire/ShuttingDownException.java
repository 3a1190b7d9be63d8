package io.talkwire;

import org.springframework.dao.TransientDataAccessException;

/**
 * Work this instance took and could not finish because it is stopping: not stored, and worth trying again (on another
 * instance). A data access failure, so that clients get what they get when PostgreSQL is away: {@code UNAVAILABLE}
 * over STOMP, 503 over REST.
 */
public final class ShuttingDownException extends TransientDataAccessException {

    public ShuttingDownException() {
        super("this instance is shutting down; try again");
    }
}
