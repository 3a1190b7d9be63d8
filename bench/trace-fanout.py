#!/usr/bin/env python3
"""Where scenario 1's time goes, read off a packet capture of the loopback interface.

Every message of scenario 1 carries a probe ("probe:<publisher>:<n>:<nanos>") that is unique and stays readable on
every hop, so the capture gives, for each delivery, the moment it crossed each socket:

  A  the publisher's SEND reaches Talkwire          (WebSocket frame from the client, unmasked here)
  B  Talkwire's INSERT leaves for PostgreSQL        (the Bind message holding the probe)
  C  PostgreSQL's answer, commit done               (its next packet on that connection: autocommit, one round trip)
  D  the event leaves for RabbitMQ                  (the AMQP publish to amq.topic)
  E  RabbitMQ's STOMP plugin sends it to the relay  (one MESSAGE per subscriber, on its relayed connection)
  F  Talkwire writes it to the subscriber           (WebSocket frame, paired with E by its message-id)

In `instance` mode (no relayed MESSAGE) the stages after C are one: C-F, the commit's answer to the WebSocket frame.
For RabbitMQ direct (Web-STOMP, port 15674) only A and F. Usage, with the capture running during a benchmark:

  dumpcap -q -i lo -f tcp -s 0 -b duration:20 -b files:40 -w /dev/shm/cap/lo.pcapng &
  bench/run.sh scenarios=fanout ...
  bench/trace-fanout.py /dev/shm/cap/lo_*.pcapng

(whole packets, -s 0: a batch's INSERT after a stall holds many messages; in memory, not on the disk PostgreSQL
flushes to). dumpcap comes with Debian's tshark package.

Only scenario 1's publishers count (their sends 15 ms or more apart at the median): the warm-up's, at 200 msg/s
each, are left out. Each round's unmeasured first second is in, so there are more messages than the benchmark counts. Times are the capture's, taken as each packet crossed the loopback interface.
"""
import bisect
import re
import subprocess
import sys
from collections import defaultdict

WEB_STOMP = 15674
PROBE = re.compile(rb"probe:(\d+):(\d+):(\d+)")
MESSAGE_ID = re.compile(rb"\nmessage-id:([^\n]+)\n")
MIN_INTERVAL = 0.015


def packets(files):
    for name in sorted(files):
        out = subprocess.run(["tshark", "-r", name, "-Y", "tcp.len>0", "-T", "fields", "-e", "frame.time_epoch",
                              "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.payload"],
                             capture_output=True, check=True).stdout
        for line in out.splitlines():
            fields = line.split(b"\t")
            if len(fields) == 4 and len(fields[3]) >= 4:
                yield float(fields[0]), int(fields[1]), int(fields[2]), bytes.fromhex(fields[3].decode())


def client_frames(payload):
    """The unmasked payloads of the masked (client to server) WebSocket frames that begin and end in this segment."""
    frames, at = [], 0
    while at + 6 <= len(payload):
        masked, length, at2 = payload[at + 1] & 0x80, payload[at + 1] & 0x7F, at + 2
        if length == 126:
            length, at2 = int.from_bytes(payload[at2:at2 + 2], "big"), at2 + 2
        elif length == 127:
            length, at2 = int.from_bytes(payload[at2:at2 + 8], "big"), at2 + 8
        if not masked:
            return frames
        mask, start = payload[at2:at2 + 4], at2 + 4
        if start + length > len(payload):
            return frames
        body = payload[start:start + length]
        frames.append(bytes(b ^ mask[i % 4] for i, b in enumerate(body)))
        at = start + length
    return frames


def stomp_messages(payload):
    """(probe, message-id or None) of each MESSAGE frame in a segment (STOMP frames end with a NUL byte)."""
    for frame in payload.split(b"\x00"):
        probe, mid = PROBE.search(frame), MESSAGE_ID.search(frame)
        if probe:
            yield probe.group(0), mid.group(1) if mid else None


def percentile(values, p):
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, -(-len(ordered) * p // 100) - 1))] if ordered else float("nan")


def main(files):
    sends = {}                          # probe -> (time, server port, client port)
    binds = {}                          # probe -> (time, client port of the PostgreSQL connection)
    pg_answers = defaultdict(list)      # client port -> times of PostgreSQL's packets to it
    publishes = {}                      # probe -> time
    relayed = {}                        # (probe, message-id) -> time
    written = defaultdict(dict)         # probe -> subscriber's port -> (time, server port, message-id), the first
    for time, src, dst, payload in packets(files):
        if src == 5432:
            pg_answers[dst].append(time)
            continue
        if payload[:1] in (b"\x81", b"\x82") and payload[1] & 0x80:
            # a client's frames are masked: no probe is readable before unmasking
            for frame in client_frames(payload):
                m = PROBE.search(frame) if frame.startswith(b"SEND") else None
                if m:
                    sends.setdefault(m.group(0), (time, dst, src))
            continue
        if b"probe:" not in payload:
            continue
        if dst == 5432:
            for m in PROBE.finditer(payload):
                binds.setdefault(m.group(0), (time, src))
        elif dst == 5672:
            for m in PROBE.finditer(payload):
                publishes.setdefault(m.group(0), time)
        elif src == 61613:
            for probe, mid in stomp_messages(payload):
                if mid:
                    relayed.setdefault((probe, mid), time)
        elif payload[:1] == b"\x81" and not payload[1] & 0x80:
            for probe, mid in stomp_messages(payload):
                written[probe].setdefault(dst, (time, src, mid))
    for answers in pg_answers.values():
        answers.sort()
    # only scenario 1's loads: publishers whose sends are MIN_INTERVAL apart at the median (each load connects its own)
    by_publisher = defaultdict(list)
    for probe, (time, _, client) in sends.items():
        by_publisher[client].append((time, probe))
    paced = set()
    for series in by_publisher.values():
        series.sort()
        gaps = [t1 - t0 for (t0, _), (t1, _) in zip(series, series[1:])]
        if gaps and percentile(gaps, 50) >= MIN_INTERVAL:
            paced.update(probe for _, probe in series)
    talkwire, direct, unmatched = [], [], 0
    commits = {}    # Bind time -> commit's answer time, of each batch that committed a traced message
    messages = {}   # probe -> (A, B, C)
    for probe in paced:
        sent, server, _ = sends[probe]
        for time, port, mid in written.get(probe, {}).values():
            if port != server:
                continue
            if server == WEB_STOMP:
                direct.append({"total": time - sent})
                continue
            bind = binds.get(probe)
            relay = relayed.get((probe, mid))
            published = publishes.get(probe)
            answers = pg_answers[bind[1]] if bind else []
            at = bisect.bisect_right(answers, bind[0]) if bind else 0
            if not bind or at == len(answers) or (relayed and not (relay and published)):
                unmatched += 1
                continue
            committed = answers[at]
            stages = {"A-B inbound, to the INSERT": bind[0] - sent, "B-C statement and commit": committed - bind[0]}
            if relayed:  # broker mode
                stages["C-D commit to publish"] = published - committed
                stages["D-E RabbitMQ, AMQP in to STOMP out"] = relay - published
                stages["E-F relay to WebSocket"] = time - relay
            else:
                stages["C-F commit to WebSocket"] = time - committed
            stages["total"] = time - sent
            talkwire.append(stages)
            commits[bind[0]] = committed
            messages.setdefault(probe, (sent, bind[0], committed))
    print(f"scenario 1's messages: {len(paced)} sent; deliveries to Talkwire's subscribers not followed through every "
          f"stage: {unmatched}")
    report("Talkwire", talkwire)
    behind_commit(messages, commits)
    publishers_apart(paced, sends)
    report("RabbitMQ direct", direct)


def behind_commit(messages, commits):
    """Messages that reached Talkwire while the previous batch was in PostgreSQL, and how long they waited for it."""
    binds = sorted(commits)
    waits, waited, alone = [], [], []
    for probe, (sent, bind, _) in messages.items():
        at = bisect.bisect_left(binds, bind)
        if at > 0 and binds[at - 1] <= sent < commits[binds[at - 1]]:
            waits.append((commits[binds[at - 1]] - sent) * 1000)
            waited.append((bind - sent) * 1000)
        else:
            alone.append((bind - sent) * 1000)
    per_batch = defaultdict(int)
    for _, bind, _ in messages.values():
        per_batch[bind] += 1
    shared = sum(n for n in per_batch.values() if n > 1)
    print(f"\nmessages followed: {len(messages)}; in a batch with another message: {shared}; reached Talkwire while "
          f"the previous batch was in PostgreSQL: {len(waits)}, until its answer p50 {percentile(waits, 50):.2f} ms, "
          f"p99 {percentile(waits, 99):.2f} ms")
    print(f"A-B of those: p50 {percentile(waited, 50):.2f} ms, p99 {percentile(waited, 99):.2f} ms; of the others: "
          f"p50 {percentile(alone, 50):.2f} ms, p99 {percentile(alone, 99):.2f} ms")


def publishers_apart(paced, sends):
    """How far apart the two publishers' n-th SENDs reached the server (they are timed to go together)."""
    by_load = defaultdict(dict)     # (server port, n) -> publisher -> time
    for probe in paced:
        publisher, n = probe.split(b":")[1:3]
        time, server, _ = sends[probe]
        by_load[(server, n)][publisher] = time
    for server in sorted({key[0] for key in by_load}):
        apart = [abs(times[b"0"] - times[b"1"]) * 1000 for key, times in by_load.items()
                 if key[0] == server and len(times) == 2]
        name = "RabbitMQ direct" if server == WEB_STOMP else "Talkwire"
        print(f"{name}: the two publishers' SENDs apart p10 {percentile(apart, 10):.2f} ms, "
              f"p50 {percentile(apart, 50):.2f} ms, p90 {percentile(apart, 90):.2f} ms")


def report(name, deliveries):
    print(f"\n{name}: {len(deliveries)} deliveries")
    if not deliveries:
        return
    slowest = percentile([d["total"] for d in deliveries], 99)
    slow = [d for d in deliveries if d["total"] >= slowest]
    print("| stage | p50 (ms) | p90 (ms) | p99 (ms) | mean in the slowest 1% (ms) |")
    print("|---|---|---|---|---|")
    for stage in deliveries[0]:
        values = [d[stage] * 1000 for d in deliveries]
        mean_slow = sum(d[stage] for d in slow) / len(slow) * 1000
        print(f"| {stage} | {percentile(values, 50):.2f} | {percentile(values, 90):.2f} | "
              f"{percentile(values, 99):.2f} | {mean_slow:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
