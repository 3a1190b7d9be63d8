package io.talkwire.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Scenario 8, the room list: the time to fetch a user's whole list, {@code GET /api/rooms} page after page at the
 * largest limit ({@value #PAGE}), for a user who is a member of {@code rooms} PRIVATE rooms, each holding
 * {@value #MESSAGES_PER_ROOM} messages of another member's, half of them read up to seq {@value #READ_UP_TO} and the
 * rest never read (so every one has unread messages). The list also holds every PUBLIC room of the database, as any
 * user's does. Baseline in the same run: the same list from an older build on the same database (the jar of
 * {@code roomListBaselineJar}, started with Flyway off: 3dace7e is the list before unread counts existed). After
 * {@value #WARM_UP} unmeasured fetches each, the two are measured in alternating rounds of {@code requests} fetches.
 */
final class RoomListScenario {

    /** The largest {@code limit} of GET /api/rooms (docs/protocol.md). */
    private static final int PAGE = 500;

    private static final int MESSAGES_PER_ROOM = 4;

    private static final int READ_UP_TO = 2;

    private static final int WARM_UP = 50;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final int rooms;

    private final int rounds;

    private final int requests;

    private final Optional<Path> baselineJar;

    RoomListScenario(int rooms, int rounds, int requests, Optional<Path> baselineJar) {
        this.rooms = rooms;
        this.rounds = rounds;
        this.requests = requests;
        this.baselineJar = baselineJar;
    }

    /** One fetch of the whole list: the requests' time (not parsing), the rooms listed, those with unread messages. */
    private record Listed(long nanos, int rooms, int unread) {
    }

    /** Sets up with users of its own on the first instance, starts the baseline when given, measures and reports. */
    void run(TalkwireProcesses processes, Report report) throws Exception {
        Talkwire user = processes.newUser(1);
        setUp(user, processes.newUser(1));
        System.out.println("room list: " + rooms + " rooms set up for " + user.username());
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("memberOfRooms", rooms);
        result.put("messagesPerRoom", MESSAGES_PER_ROOM);
        result.put("pageLimit", PAGE);
        if (baselineJar.isEmpty()) {
            Measured talkwire = measure(List.of(user)).getFirst();
            result.put("talkwire", talkwire.summary());
            write(talkwire, null, report);
        }
        else {
            compare(processes, user, result, report);
        }
        report.put("roomList", result);
    }

    /** Talkwire against the baseline jar, started for this and stopped after. */
    private void compare(TalkwireProcesses processes, Talkwire user, Map<String, Object> result, Report report)
            throws Exception {
        TalkwireProcesses.Instance old = processes.startJar(baselineJar.get(), "baseline", List.of(),
                List.of("--spring.flyway.enabled=false"));
        try {
            List<Measured> both = measure(List.of(user, user.loggedInOn(old.port(), old.process())));
            Latencies t = both.get(0).all();
            Latencies b = both.get(1).all();
            result.put("talkwire", both.get(0).summary());
            result.put("baseline", both.get(1).summary());
            result.put("baselineJar", baselineJar.get().toString());
            result.put("p50Ratio", ratio(t.p50Ms(), b.p50Ms()));
            result.put("p99Ratio", ratio(t.p99Ms(), b.p99Ms()));
            write(both.get(0), both.get(1), report);
        }
        finally {
            processes.stop(old);
        }
    }

    /**
     * {@code rooms} PRIVATE rooms of {@code user}'s with {@code other} added, who posts {@value #MESSAGES_PER_ROOM}
     * messages to each; {@code user} reads every other room up to {@value #READ_UP_TO}.
     */
    private void setUp(Talkwire user, Talkwire other) throws Exception {
        for (int r = 0; r < rooms; r++) {
            String room = user.newRoom("PRIVATE");
            user.addMember(room, other.username());
            for (int m = 1; m <= MESSAGES_PER_ROOM; m++) {
                other.broadcast(room, "{\"content\":\"unread " + m + "\"}");
            }
            if (r % 2 == 0) {
                user.markRead(room, READ_UP_TO);
            }
        }
    }

    /** What one target measured: every round's latencies, and what its last fetch listed. */
    private record Measured(List<Latencies> rounds, Listed last) {

        Latencies all() {
            return Latencies.merge(rounds);
        }

        Map<String, Object> summary() {
            Map<String, Object> summary = all().summary();
            summary.put("roundP50Ms", rounds.stream().map(Latencies::p50Ms).toList());
            summary.put("roomsListed", last.rooms());
            summary.put("roomsWithUnread", last.unread());
            return summary;
        }
    }

    /** Warms each target, then measures them in turns, round by round. */
    private List<Measured> measure(List<Talkwire> targets) throws Exception {
        for (int i = 0; i < WARM_UP; i++) {
            for (Talkwire target : targets) {
                fetchAll(target);
            }
        }
        List<List<Latencies>> byTarget = new ArrayList<>();
        List<Listed> last = new ArrayList<>();
        targets.forEach(target -> byTarget.add(new ArrayList<>()));
        for (int round = 0; round < rounds; round++) {
            last.clear();
            for (int t = 0; t < targets.size(); t++) {
                Latencies latencies = new Latencies();
                Listed listed = null;
                for (int i = 0; i < requests; i++) {
                    listed = fetchAll(targets.get(t));
                    latencies.recordNanos(listed.nanos());
                }
                byTarget.get(t).add(latencies);
                last.add(listed);
            }
            System.out.println("room list round " + (round + 1) + ": p50 " + byTarget.stream()
                .map(r -> r.getLast().p50Ms() + " ms").toList());
        }
        List<Measured> measured = new ArrayList<>();
        for (int t = 0; t < targets.size(); t++) {
            measured.add(new Measured(byTarget.get(t), last.get(t)));
        }
        return measured;
    }

    /** The whole list, page after page, until a page shorter than {@value #PAGE}. */
    private static Listed fetchAll(Talkwire target) throws Exception {
        long nanos = 0;
        int listed = 0;
        int unread = 0;
        long after = 0;
        while (true) {
            long start = System.nanoTime();
            String body = target.get("/api/rooms?limit=" + PAGE + "&after=" + after);
            nanos += System.nanoTime() - start;
            JsonNode page = JSON.readTree(body);
            for (JsonNode room : page) {
                listed++;
                after = room.get("id").asLong();
                if (room.has("unreadCount") && room.get("unreadCount").asLong() > 0) {
                    unread++;
                }
            }
            if (page.size() < PAGE) {
                return new Listed(nanos, listed, unread);
            }
        }
    }

    private static double ratio(double talkwire, double baseline) {
        return baseline == 0 ? 0 : Math.round(talkwire / baseline * 100) / 100.0;
    }

    /** {@code b} is null when no baseline was given. */
    private void write(Measured t, Measured b, Report report) {
        report.line("## 8. Room list (GET /api/rooms, every page at limit=" + PAGE + ", for a member of " + rooms
                + " rooms with unread messages)\n");
        report.line("Each room holds " + MESSAGES_PER_ROOM + " messages of another member's; the user has read half "
                + "of the rooms up to seq " + READ_UP_TO + ". The list also holds every PUBLIC room of the database, as "
                + "any user's does. " + WARM_UP + " unmeasured fetches of the whole list "
                + "per instance, then " + rounds + " rounds of " + requests + " fetches"
                + (b == null ? "." : ", alternating with the baseline.") + " Time: the requests of one fetch "
                + "(parsing excluded).\n");
        String baseline = b == null ? "no baseline" : "baseline (" + baselineJar.get().getFileName() + ")";
        report.line("| whole list | Talkwire | " + baseline + " | ratio |\n|---|---|---|---|");
        Map<String, Object> ts = t.summary();
        Map<String, Object> bs = b == null ? Map.of() : b.summary();
        for (String key : List.of("p50Ms", "p95Ms", "p99Ms", "maxMs")) {
            report.row(key.replace("Ms", " (ms)"), ts.get(key), bs.getOrDefault(key, "-"));
        }
        report.row("rooms listed (with unread messages)", ts.get("roomsListed") + " (" + ts.get("roomsWithUnread") + ")",
                bs.getOrDefault("roomsListed", "-"));
        report.line("\np50 round by round (ms): Talkwire " + ts.get("roundP50Ms")
                + (b == null ? "" : ", baseline " + bs.get("roundP50Ms")) + ".");
        if (b == null) {
            report.line("No baseline given (roomListBaselineJar=): Talkwire's figures only.\n");
            return;
        }
        double p50 = ratio(t.all().p50Ms(), b.all().p50Ms());
        double p99 = ratio(t.all().p99Ms(), b.all().p99Ms());
        report.line("Baseline: " + baselineJar.get() + " on the same database (Flyway off). Target: p50 and p99 at "
                + "most 2x the baseline's: " + p50 + "x and " + p99 + "x, " + (p50 <= 2 && p99 <= 2 ? "met" : "not met")
                + ".\n");
    }
}
