package io.talkwire.chat;

import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

/**
 * A send that was refused: REST answers with the status, STOMP with an ERROR event carrying the code.
 */
class SendRejectedException extends ResponseStatusException {

    private final String code;

    SendRejectedException(HttpStatus status, String code, String reason) {
        super(status, reason);
        this.code = code;
    }

    String code() {
        return code;
    }

    static SendRejectedException invalid(String code, String reason) {
        return new SendRejectedException(HttpStatus.BAD_REQUEST, code, reason);
    }
}
