package io.talkwire.chat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.LongStream;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 10 clients send 100 messages each at once into one room: seq 1..1000 without gap, everyone gets all, once, in
 * {@code seq} order (the contract's order of a room's events). Sends committed together keep their own outcome.
 */
class ConcurrentSendIT extends IntegrationTest {

    private static final int CLIENTS = 10;

    private static final int MESSAGES = 100;

    @Test
    void concurrentSendersGetGaplessSeqAndEverySubscriberEveryMessageOnce() throws Exception {
        Api api = api();
        User owner = api.newUser("owner");
        long room = api.createRoom(owner, "PUBLIC");
        List<StompTestClient> clients = new ArrayList<>();
        List<Inbox> inboxes = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            StompTestClient client = connect(api.newUser("sender" + c));
            clients.add(client);
            inboxes.add(client.subscribe("/topic/rooms." + room));
        }

        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<Void>> receipts = new ArrayList<>();
        try (ExecutorService senders = Executors.newFixedThreadPool(CLIENTS)) {
            List<CompletableFuture<List<CompletableFuture<Void>>>> sent = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                sent.add(CompletableFuture.supplyAsync(() -> {
                    awaitStart(start);
                    List<CompletableFuture<Void>> mine = new ArrayList<>();
                    for (int m = 0; m < MESSAGES; m++) {
                        String id = client + "-" + m;
                        mine.add(clients.get(client).send("/app/rooms." + room + ".send",
                                "{\"content\":\"message %s\",\"clientMessageId\":\"%s\"}".formatted(id, id), "r-" + id));
                    }
                    return mine;
                }, senders));
            }
            start.countDown();
            for (var batch : sent) {
                receipts.addAll(StompTestClient.await(batch));
            }
        }
        StompTestClient.await(CompletableFuture.allOf(receipts.toArray(CompletableFuture[]::new)));

        List<Long> all = LongStream.rangeClosed(1, CLIENTS * MESSAGES).boxed().toList();
        List<Long> historySeqs = new ArrayList<>();
        Set<String> historyIds = new HashSet<>();
        long after = 0;
        while (true) {
            JsonNode page = api.get("/api/rooms/" + room + "/messages?limit=200&after=" + after, owner.token()).json();
            if (page.isEmpty()) {
                break;
            }
            page.forEach(m -> {
                historySeqs.add(m.get("seq").asLong());
                historyIds.add(m.get("clientMessageId").asString());
            });
            after = page.get(page.size() - 1).get("seq").asLong();
        }
        assertThat(historySeqs).containsExactlyElementsOf(all);
        assertThat(historyIds).hasSize(CLIENTS * MESSAGES);

        for (Inbox inbox : inboxes) {
            List<Long> received = new ArrayList<>();
            while (received.size() < CLIENTS * MESSAGES) {
                JsonNode event = inbox.next("MESSAGE");
                received.add(event.get("seq").asLong());
            }
            assertThat(inbox.drain(Duration.ofMillis(300))).noneMatch(e -> e.get("type").asString().equals("MESSAGE"));
            assertThat(received).containsExactlyInAnyOrderElementsOf(all);
            assertThat(received).as("MESSAGE events in seq order").isSorted();
        }
        clients.forEach(StompTestClient::close);
    }

    @Test
    void sendsCommittedTogetherStillGetTheirOwnOutcome() {
        Api api = api();
        User alice = api.newUser("alice");
        User bob = api.newUser("bob");
        long first = api.createRoom(alice, "PUBLIC");
        long second = api.createRoom(alice, "PUBLIC");
        long closed = api.createRoom(bob, "PRIVATE");
        try (StompTestClient client = connect(alice)) {
            Inbox errors = client.subscribe("/user/queue/errors");
            // pipelined without waiting, so they meet in the same commits: two rooms, a repeated clientMessageId,
            // and one send to a room alice may not write to
            List<CompletableFuture<Void>> receipts = new ArrayList<>();
            CompletableFuture<Void> refused = null;
            for (int i = 0; i < MESSAGES; i++) {
                receipts.add(client.send("/app/rooms." + first + ".send",
                        "{\"content\":\"first %d\",\"clientMessageId\":\"f-%d\"}".formatted(i, i), "f" + i));
                receipts.add(client.send("/app/rooms." + second + ".send", "{\"content\":\"second %d\"}".formatted(i), "s" + i));
                receipts.add(client.send("/app/rooms." + first + ".send",
                        "{\"content\":\"once\",\"clientMessageId\":\"same\"}", "again" + i));
                if (i == MESSAGES / 2) {
                    refused = client.send("/app/rooms." + closed + ".send", "{\"content\":\"no\"}", "refused");
                }
            }
            StompTestClient.await(CompletableFuture.allOf(receipts.toArray(CompletableFuture[]::new)));

            JsonNode error = errors.next();
            assertThat(error.get("code").asString()).isEqualTo("NOT_FOUND");
            assertThat(error.get("receiptId").asString()).isEqualTo("refused");
            assertThat(refused).isNotDone();
            JsonNode firstRoom = api.get("/api/rooms/" + first + "/messages?limit=200", alice.token()).json();
            assertThat(firstRoom).extracting(m -> m.get("seq").asLong())
                .containsExactlyElementsOf(LongStream.rangeClosed(1, MESSAGES + 1).boxed().toList());
            assertThat(firstRoom).filteredOn(m -> m.get("content").asString().equals("once")).hasSize(1);
            JsonNode secondRoom = api.get("/api/rooms/" + second + "/messages?limit=200", alice.token()).json();
            assertThat(secondRoom).extracting(m -> m.get("seq").asLong())
                .containsExactlyElementsOf(LongStream.rangeClosed(1, MESSAGES).boxed().toList());
            assertThat(secondRoom).extracting(m -> m.get("content").asString())
                .containsExactlyInAnyOrderElementsOf(LongStream.range(0, MESSAGES).mapToObj(i -> "second " + i).toList());
            assertThat(api.get("/api/rooms/" + closed + "/messages", bob.token()).json()).isEmpty();
        }
    }

    private static void awaitStart(CountDownLatch start) {
        try {
            start.await();
        }
        catch (InterruptedException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
