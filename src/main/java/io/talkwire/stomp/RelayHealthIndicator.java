package io.talkwire.stomp;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.ApplicationListener;
import org.springframework.messaging.simp.broker.BrokerAvailabilityEvent;
import org.springframework.stereotype.Component;

/** {@code stompRelay} in /actuator/health: is the relay's system session to RabbitMQ's STOMP plugin connected? */
@Component("stompRelay")
class RelayHealthIndicator implements HealthIndicator, ApplicationListener<BrokerAvailabilityEvent> {

    private volatile boolean available;

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
