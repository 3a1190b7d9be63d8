package io.talkwire.delivery;

import io.talkwire.presence.InstanceLease;
import io.talkwire.room.MembershipChanged;
import io.talkwire.room.RoomService;
import io.talkwire.room.RoomService.Reader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.ExchangeTypes;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.annotation.Exchange;
import org.springframework.amqp.rabbit.annotation.Queue;
import org.springframework.amqp.rabbit.annotation.QueueBinding;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.core.annotation.Order;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * A member removed from a room they may no longer read (PRIVATE, DIRECT) loses their live subscriptions to it at
 * once, on every instance: this instance stops its sessions' subscriptions before ROOM_REMOVED is sent, and tells the
 * others over {@code amq.topic} (routing key {@value #ROUTING_KEY}); what an instance misses of that, a periodic
 * check of its live subscriptions ends.
 */
@Component
class SubscriptionRevoker {

    private static final Logger log = LoggerFactory.getLogger(SubscriptionRevoker.class);

    private static final String EXCHANGE = RoomRoutes.AMQ_TOPIC;

    static final String ROUTING_KEY = "talkwire.revocations";

    static final long RECHECK_SECONDS = 30;

    private final RoomService rooms;

    private final RoomSubscriptions subscriptions;

    private final RabbitTemplate rabbit;

    private final JsonMapper json;

    private final InstanceLease instance;

    SubscriptionRevoker(RoomService rooms, RoomSubscriptions subscriptions, RabbitTemplate rabbit, JsonMapper json,
            InstanceLease instance) {
        this.rooms = rooms;
        this.subscriptions = subscriptions;
        this.rabbit = rabbit;
        this.json = json;
        this.instance = instance;
    }

    /** Before the ROOM_REMOVED notification (default order), so that it is the last thing the room sends them. */
    @TransactionalEventListener
    @Order(0)
    void on(MembershipChanged change) {
        if (change.added() || rooms.canRead(change.roomId(), change.username())) {
            return;
        }
        Revocation revocation = new Revocation(change.roomId(), change.username(), instance.id());
        // the other instances first: nothing that fails here may keep them from hearing of it
        try {
            rabbit.send(EXCHANGE, ROUTING_KEY, new Message(json.writeValueAsBytes(revocation)));
        }
        catch (AmqpException ex) {
            log.warn("Could not tell other instances to end {}'s subscriptions to room {}: {}", change.username(),
                    change.roomId(), ex.getMessage());
        }
        revokeHere(revocation);
    }

    @RabbitListener(bindings = @QueueBinding(value = @Queue(exclusive = "true", autoDelete = "true"),
            exchange = @Exchange(name = EXCHANGE, type = ExchangeTypes.TOPIC, declare = "false"),
            key = ROUTING_KEY))
    void onRevocation(byte[] body) {
        Revocation revocation;
        try {
            revocation = json.readValue(body, Revocation.class);
        }
        catch (JacksonException ex) {
            log.warn("Ignored a revocation that is not one: {}", ex.getMessage()); // never requeued for ever
            return;
        }
        if (!instance.id().equals(revocation.fromInstance())) {
            revokeHere(revocation);
        }
    }

    /**
     * For a revocation this instance did not hear of (published while its listener was reconnecting, say): every
     * {@value #RECHECK_SECONDS} s, the live subscriptions whose users may no longer read their room are ended here.
     */
    @Scheduled(initialDelay = RECHECK_SECONDS * 1000, fixedDelay = RECHECK_SECONDS * 1000)
    void revokeWhatIsNoLongerReadable() {
        for (Reader reader : rooms.unreadable(subscriptions.readers())) {
            log.warn("Ending {}'s subscriptions to room {}, which they may no longer read", reader.username(),
                    reader.roomId());
            revokeHere(new Revocation(reader.roomId(), reader.username(), instance.id()));
        }
    }

    private void revokeHere(Revocation revocation) {
        try {
            subscriptions.revoke(revocation.roomId(), revocation.username());
        }
        catch (RuntimeException ex) {
            log.error("Could not end {}'s subscriptions to room {}", revocation.username(), revocation.roomId(), ex);
        }
    }

    record Revocation(long roomId, String username, String fromInstance) {
    }
}
