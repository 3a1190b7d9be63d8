package io.talkwire.stomp;

import org.jspecify.annotations.Nullable;

import org.springframework.messaging.simp.user.DefaultUserDestinationResolver;
import org.springframework.messaging.simp.user.SimpUserRegistry;

/**
 * Resolves {@code /user/queue/events} to {@code /exchange/amq.direct/events-user<sessionId>} instead of Spring's
 * {@code /queue/events-user<sessionId>}. RabbitMQ declares a durable, never-deleted queue for every such
 * {@code /queue/} destination (also for each send to a session that never subscribed), and they pile up; a
 * subscription to an {@code /exchange/} destination gets an exclusive auto-delete queue that dies with the
 * session, and a send nobody is bound to is dropped.
 */
class ExchangeUserDestinationResolver extends DefaultUserDestinationResolver {

    ExchangeUserDestinationResolver(SimpUserRegistry userRegistry) {
        super(userRegistry);
    }

    @Override
    protected @Nullable String getTargetDestination(String sourceDestination, String actualDestination,
            String sessionId, @Nullable String user) {
        String name = actualDestination.substring(actualDestination.lastIndexOf('/') + 1);
        return "/exchange/amq.direct/" + name + "-user" + sessionId;
    }
}
