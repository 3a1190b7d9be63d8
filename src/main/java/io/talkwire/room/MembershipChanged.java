package io.talkwire.room;

/**
 * A user was added to or removed from a room. Published inside the membership transaction: listeners act
 * after the commit ({@code @TransactionalEventListener}).
 */
public record MembershipChanged(long roomId, String username, boolean added) {
}
