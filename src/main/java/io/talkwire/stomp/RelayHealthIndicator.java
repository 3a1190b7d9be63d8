package io.talkwire.stomp;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.ApplicationListener;
import org.springframework.messaging.simp.broker.BrokerAvailabilityEvent;
import org.springframework.stereotype.Component;

/**
 * {@code stompRelay} in /actuator/health: is the relay's system session to RabbitMQ's STOMP plugin connected? The same
 * as the gauge {@code talkwire.relay.connected} (1 or 0).
 */
@Component("stompRelay")
class RelayHealthIndicator implements HealthIndicator, ApplicationListener<BrokerAvailabilityEvent> {

    private volatile boolean available;

    RelayHealthIndicator(MeterRegistry meters) {
        Gauge.builder("talkwire.relay.connected", this, relay -> relay.available ? 1 : 0)
            .description("1 while the STOMP relay's system session to RabbitMQ is connected, else 0")
            .register(meters);
    }

    @Override
    public void onApplicationEvent(BrokerAvailabilityEvent event) {
        available = event.isBrokerAvailable();
    }

    @Override
    public Health health() {
        return available ? Health.up().build()
                : Health.down().withDetail("reason", "the STOMP relay's system session is not connected").build();
    }
}
