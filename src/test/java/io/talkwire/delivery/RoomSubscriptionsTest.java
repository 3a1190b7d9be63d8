package io.talkwire.delivery;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.talkwire.delivery.RoomSubscriptions.Subscribed;
import io.talkwire.presence.PresenceService;
import io.talkwire.room.RoomService;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

class RoomSubscriptionsTest {

    /**
     * A session's first room subscription reads that the user may read the room, then a ban commits and its revocation
     * runs before the subscription is recorded: the revocation must still end it.
     */
    @Test
    void aRevocationDuringASessionsFirstSubscriptionEndsIt() throws Exception {
        PresenceService presence = mock(PresenceService.class);
        RoomService rooms = mock(RoomService.class);
        RoomDelivery delivery = mock(RoomDelivery.class);
        RoomSubscriptions subscriptions = new RoomSubscriptions(presence, delivery, rooms, mock(RoomOrder.class),
                new SimpleMeterRegistry());
        CountDownLatch readable = new CountDownLatch(1);
        CountDownLatch banned = new CountDownLatch(1);
        when(presence.isConnected("s1")).thenReturn(true);
        when(rooms.readableLastSeq(7, "mallory")).thenAnswer(call -> {
            readable.countDown();
            assertThat(banned.await(10, TimeUnit.SECONDS)).isTrue();
            return Optional.of(0L); // read before the ban committed
        });

        Thread subscriber = Thread.ofPlatform().start(() -> subscriptions.subscribe("s1", "sub-1", 7, "mallory"));
        assertThat(readable.await(10, TimeUnit.SECONDS)).isTrue();
        Thread revocation = Thread.ofPlatform().start(() -> subscriptions.revoke(7, "mallory"));
        await().atMost(Duration.ofSeconds(10))
            .until(() -> revocation.getState() == Thread.State.WAITING || !revocation.isAlive());
        banned.countDown();
        subscriber.join(10_000);
        revocation.join(10_000);

        verify(delivery).revoke("s1", "sub-1", 7);
        assertThat(subscriptions.isRoomSubscription("s1", "sub-1")).isTrue(); // revoked, until the client unsubscribes
        assertThat(subscriptions.subscribe("s1", "sub-1", 8, "mallory")).isEqualTo(Subscribed.ID_IN_USE);
        assertThat(subscriptions.unsubscribe("s1", "sub-1")).isFalse();
    }

    /**
     * Two SUBSCRIBEs of one id to two rooms, as frames of one session handled on two threads (SockJS's HTTP
     * transports): the second is refused, and a revocation of the first room still finds the first.
     */
    @Test
    void aSecondRoomSubscriptionOfOneIdIsRefusedAndHidesNothing() {
        PresenceService presence = mock(PresenceService.class);
        RoomService rooms = mock(RoomService.class);
        RoomDelivery delivery = mock(RoomDelivery.class);
        RoomSubscriptions subscriptions = new RoomSubscriptions(presence, delivery, rooms, mock(RoomOrder.class),
                new SimpleMeterRegistry());
        when(presence.isConnected("s1")).thenReturn(true);
        when(rooms.readableLastSeq(7, "mallory")).thenReturn(Optional.of(0L));
        when(rooms.readableLastSeq(8, "mallory")).thenReturn(Optional.of(0L));

        assertThat(subscriptions.subscribe("s1", "x", 7, "mallory")).isEqualTo(Subscribed.STARTED);
        assertThat(subscriptions.subscribe("s1", "x", 8, "mallory")).isEqualTo(Subscribed.ID_IN_USE);
        verify(delivery, never()).subscribed("s1", "x", 8);
        verify(presence, never()).subscribed("s1", "x", 8, "mallory");

        subscriptions.revoke(7, "mallory");
        verify(delivery).revoke("s1", "x", 7);
    }
}
