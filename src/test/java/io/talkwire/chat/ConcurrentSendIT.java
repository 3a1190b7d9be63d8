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

/** 10 clients send 100 messages each at once into one room: seq 1..1000 without gap, everyone gets all, once. */
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
        }
        clients.forEach(StompTestClient::close);
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
