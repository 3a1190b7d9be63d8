package io.talkwire.stomp;

import org.jspecify.annotations.Nullable;

import org.springframework.messaging.simp.user.DefaultUserDestinationResolver;
import org.springframework.messaging.simp.user.SimpUserRegistry;

/**
 * Resolves personal destinations to RabbitMQ {@code amq.direct} routing keys instead of Spring's
 * {@code /queue/events-user<sessionId>}:
 * <ul>
 * <li>RabbitMQ declares a durable, never-deleted queue for every such {@code /queue/} destination (also for each
 * send to a session that never subscribed), and they pile up. A subscription to an {@code /exchange/} destination
 * gets an exclusive auto-delete queue that dies with the session, and a send nobody is bound to is dropped.</li>
 * <li>{@code /user/queue/events} of user alice is one routing key, {@code events-user.alice}, bound by each of her
 * sessions on every instance. A send from any instance reaches all of them at once, without waiting for the
 * cross-instance user registry (broadcast every 10 s) to learn about a session that just connected elsewhere.</li>
 * <li>{@code /user/queue/errors} stays per session ({@code errors-user<sessionId>}): only the session whose SEND
 * failed hears of it, and that session is always on the instance that handled the SEND.</li>
 * </ul>
 */
class ExchangeUserDestinationResolver extends DefaultUserDestinationResolver {

    ExchangeUserDestinationResolver(SimpUserRegistry userRegistry) {
        super(userRegistry);
    }

    @Override
    protected @Nullable String getTargetDestination(String sourceDestination, String actualDestination,
            String sessionId, @Nullable String user) {
        String name = actualDestination.substring(actualDestination.lastIndexOf('/') + 1);
        if ("events".equals(name) && user != null) {
            return "/exchange/amq.direct/events-user." + user;
        }
        return "/exchange/amq.direct/" + name + "-user" + sessionId;
    }
}
