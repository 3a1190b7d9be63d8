package io.talkwire.auth;

/** Application event: the user logged out everywhere; every live STOMP session of theirs is to end. */
public record SignedOutEverywhere(String username) {
}
