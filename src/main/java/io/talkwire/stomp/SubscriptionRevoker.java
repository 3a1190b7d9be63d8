package io.talkwire.stomp;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.talkwire.presence.InstanceLease;
import io.talkwire.presence.PresenceService;
import io.talkwire.presence.PresenceService.Subscription;
import io.talkwire.room.Broadcaster;
import io.talkwire.room.MembershipChanged;
import io.talkwire.room.RoomService;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.core.ExchangeTypes;
import org.springframework.amqp.rabbit.annotation.Exchange;
import org.springframework.amqp.rabbit.annotation.Queue;
import org.springframework.amqp.rabbit.annotation.QueueBinding;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Lazy;
import org.springframework.context.event.EventListener;
import org.springframework.core.annotation.Order;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.simp.SimpMessageHeaderAccessor;
import org.springframework.messaging.simp.SimpMessagingTemplate;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.ChannelInterceptor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;
import org.springframework.web.socket.messaging.SessionDisconnectEvent;

import tools.jackson.databind.json.JsonMapper;

/**
 * A member removed from a room they may no longer read (PRIVATE, DIRECT) loses their live subscriptions to it at
 * once, on every instance: this instance unsubscribes its sessions at RabbitMQ before ROOM_REMOVED is sent, and tells
 * the others over {@code amq.topic} (routing key {@value #ROUTING_KEY}). Until the broker has processed the
 * UNSUBSCRIBE, MESSAGE frames still in flight for a revoked subscription are dropped on their way out.
 */
@Component
class SubscriptionRevoker implements ChannelInterceptor {

    private static final Logger log = LoggerFactory.getLogger(SubscriptionRevoker.class);

    static final String ROUTING_KEY = "talkwire.revocations";

    private final Set<String> revoked = ConcurrentHashMap.newKeySet();

    private final RoomService rooms;

    private final PresenceService presence;

    private final SimpMessagingTemplate template;

    private final MessageChannel brokerChannel;

    private final JsonMapper json;

    private final InstanceLease instance;

    SubscriptionRevoker(RoomService rooms, PresenceService presence, @Lazy SimpMessagingTemplate template,
            @Lazy @Qualifier("brokerChannel") MessageChannel brokerChannel, JsonMapper json, InstanceLease instance) {
        this.instance = instance;
        this.rooms = rooms;
        this.presence = presence;
        this.template = template;
        this.brokerChannel = brokerChannel;
        this.json = json;
    }

    /** Before the ROOM_REMOVED notification (default order), so that it is the last thing the room sends them. */
    @TransactionalEventListener
    @Order(0)
    void on(MembershipChanged change) {
        if (change.added() || rooms.canRead(change.roomId(), change.username())) {
            return;
        }
        Revocation revocation = new Revocation(change.roomId(), change.username(), instance.id());
        revokeHere(revocation);
        try {
            template.convertAndSend("/topic/" + ROUTING_KEY, (Object) revocation);
        }
        catch (RuntimeException ex) {
            log.warn("Could not tell other instances to end {}'s subscriptions to room {}: {}", change.username(),
                    change.roomId(), ex.getMessage());
        }
    }

    @RabbitListener(bindings = @QueueBinding(value = @Queue(exclusive = "true", autoDelete = "true"),
            exchange = @Exchange(name = "amq.topic", type = ExchangeTypes.TOPIC, declare = "false"), key = ROUTING_KEY))
    void onRevocation(byte[] body) {
        Revocation revocation = json.readValue(body, Revocation.class);
        if (!instance.id().equals(revocation.fromInstance())) {
            revokeHere(revocation);
        }
    }

    private void revokeHere(Revocation revocation) {
        for (Subscription subscription : presence.localSubscriptions(revocation.roomId(), revocation.username())) {
            if (!revoked.add(key(subscription.sessionId(), subscription.subscriptionId()))) {
                continue; // revoked already: a second UNSUBSCRIBE would make RabbitMQ close the session
            }
            StompHeaderAccessor unsubscribe = StompHeaderAccessor.create(StompCommand.UNSUBSCRIBE);
            unsubscribe.setSessionId(subscription.sessionId());
            unsubscribe.setSubscriptionId(subscription.subscriptionId());
            brokerChannel.send(MessageBuilder.createMessage(new byte[0], unsubscribe.getMessageHeaders()));
            presence.unsubscribed(subscription.sessionId(), subscription.subscriptionId());
        }
    }

    /** On clientOutboundChannel: drops what the broker still delivers to a revoked subscription. */
    @Override
    public @Nullable Message<?> preSend(Message<?> message, MessageChannel channel) {
        if (revoked.isEmpty()) {
            return message;
        }
        // read the headers in place: this runs for every frame to every client while anything is revoked
        MessageHeaders headers = message.getHeaders();
        return revoked.contains(key(SimpMessageHeaderAccessor.getSessionId(headers),
                SimpMessageHeaderAccessor.getSubscriptionId(headers))) ? null : message;
    }

    @EventListener
    void on(SessionDisconnectEvent event) {
        revoked.removeIf(key -> key.startsWith(event.getSessionId() + "/"));
    }

    private static String key(@Nullable String sessionId, @Nullable String subscriptionId) {
        return sessionId + "/" + subscriptionId;
    }

    record Revocation(long roomId, String username, String fromInstance) {
    }
}
