package io.talkwire.chat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.talkwire.room.RoomService;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.server.ResponseStatusException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.RETURNS_DEEP_STUBS;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

class MessageSearchTest {

    /** A user whose search still runs gets 429 for the next; other users still find a place. */
    @Test
    void oneSearchAtATimePerUserLeavesRoomForOthers() throws Exception {
        JdbcClient jdbc = mock(JdbcClient.class, RETURNS_DEEP_STUBS);
        CountDownLatch slowStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        when(jdbc.sql(anyString()).param(anyString(), any()).param(anyString(), any()).param(anyString(), any())
            .withQueryTimeout(anyInt()).query(any(RowMapper.class)).list()).thenAnswer(call -> {
                if (slowStarted.getCount() > 0) {
                    slowStarted.countDown();
                    assertThat(release.await(10, TimeUnit.SECONDS)).isTrue(); // a word found almost everywhere
                }
                return List.of();
            });
        MessageSearch search = new MessageSearch(jdbc, mock(RoomService.class));

        CompletableFuture<?> slow = CompletableFuture.runAsync(() -> search.search("mallory", "the", null, null));
        assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> search.search("mallory", "a", null, null))
            .isInstanceOfSatisfying(ResponseStatusException.class,
                    refused -> assertThat(refused.getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS));
        assertThat(search.search("alice", "hello", null, null)).isEmpty();
        release.countDown();
        slow.get(10, TimeUnit.SECONDS);
        assertThat(search.search("mallory", "again", null, null)).isEmpty();
    }
}
