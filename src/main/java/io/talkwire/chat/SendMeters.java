package io.talkwire.chat;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;

/**
 * {@code talkwire.sends.committed}: new messages stored (STOMP, REST and anything else that commits through
 * {@link GroupCommit}; a repeated clientMessageId is not counted again). {@code talkwire.sends.refused}: STOMP and REST
 * sends that were not stored, by the error code the client got ({@code INVALID_CONTENT}, {@code RATE_LIMITED},
 * {@code UNAVAILABLE}, ...).
 */
@Component
class SendMeters {

    private final MeterRegistry meters;

    private final Counter committed;

    /** By code: the codes are Talkwire's own, a handful. */
    private final Map<String, Counter> refused = new ConcurrentHashMap<>();

    SendMeters(MeterRegistry meters) {
        this.meters = meters;
        this.committed = Counter.builder("talkwire.sends.committed")
            .description("new messages committed to PostgreSQL")
            .register(meters);
    }

    void committed() {
        committed.increment();
    }

    void refused(String code) {
        refused.computeIfAbsent(code, c -> Counter.builder("talkwire.sends.refused")
            .description("sends that were not stored, by the error code the client got")
            .tag("code", c)
            .register(meters))
            .increment();
    }

    /** The code a failed send's client gets, as the STOMP error event names it. */
    static String codeOf(Throwable failure) {
        return switch (failure) {
            case SendRejectedException rejected -> rejected.code();
            case DataAccessException unavailable -> "UNAVAILABLE";
            case TransactionException unavailable -> "UNAVAILABLE";
            default -> "INTERNAL";
        };
    }
}
