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

  dumpcap -q -i lo -f tcp -s 1500 -b duration:20 -b files:40 -w /tmp/cap/lo.pcapng &
  bench/run.sh scenarios=fanout ...
  bench/trace-fanout.py /tmp/cap/lo_*.pcapng

Only scenario 1's publishers count (their sends 15 ms or more apart at the median): the warm-up's, at 200 msg/s
each, are left out. Times are the capture's, taken as each packet crossed the loopback interface.
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
    for name in files:
        out = subprocess.run(["tshark", "-r", name, "-Y", "tcp.len>0", "-T", "fields", "-e", "frame.time_epoch",
                              "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.payload"],
                             capture_output=True, check=True).stdout
        for line in out.splitlines():
            fields = line.split(b"\t")
            if len(fields) == 4 and fields[3]:
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
        body = payload[start:start + length]
        frames.append(bytes(b ^ mask[i % 4] for i, b in enumerate(body)))
        at = start + length
    return frames


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, -(-len(ordered) * p // 100) - 1))] if ordered else float("nan")


def main(files):
    sends = {}                          # probe -> (time, server port, client port)
    binds = {}                          # probe -> (time, client port of the PostgreSQL connection)
    pg_answers = defaultdict(list)      # client port -> times of PostgreSQL's packets to it
    publishes = {}                      # probe -> time
    relayed = {}                        # (probe, message-id) -> time
    written = defaultdict(list)         # probe -> [(time, server port, message-id)]
    for time, src, dst, payload in packets(files):
        if src == 5432:
            pg_answers[dst].append(time)
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
            m, mid = PROBE.search(payload), MESSAGE_ID.search(payload)
            if m and mid:
                relayed.setdefault((m.group(0), mid.group(1)), time)
        elif payload[:1] == b"\x81" and not payload[1] & 0x80:
            m, mid = PROBE.search(payload), MESSAGE_ID.search(payload)
            if m:
                written[m.group(0)].append((time, src, mid.group(1) if mid else None))
    # masked frames carry no readable probe: a second pass over the client's frames
    for time, src, dst, payload in packets(files):
        if payload[:1] in (b"\x81", b"\x82") and payload[1] & 0x80:
            for frame in client_frames(payload):
                if frame.startswith(b"SEND"):
                    m = PROBE.search(frame)
                    if m:
                        sends.setdefault(m.group(0), (time, dst, src))
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
    talkwire, direct = [], []
    batches = {}    # Bind time -> commit's answer time, of each batch that committed a traced message
    firsts = {}     # probe -> (A, B)
    for probe in paced:
        sent, server, _ = sends[probe]
        for time, port, mid in written.get(probe, []):
            if port != server:
                continue
            if server == WEB_STOMP:
                direct.append({"total": time - sent})
                continue
            bind = binds.get(probe)
            relay = relayed.get((probe, mid))
            published = publishes.get(probe)
            if not bind or (relay and not published):
                continue
            answers = pg_answers[bind[1]]
            at = bisect.bisect_right(answers, bind[0])
            if at == len(answers):
                continue
            committed = answers[at]
            stages = {"A-B inbound, to the INSERT": bind[0] - sent, "B-C statement and commit": committed - bind[0]}
            if relay:
                stages["C-D commit to publish"] = published - committed
                stages["D-E RabbitMQ, AMQP in to STOMP out"] = relay - published
                stages["E-F relay to WebSocket"] = time - relay
            else:
                stages["C-F commit to WebSocket"] = time - committed
            stages["total"] = time - sent
            talkwire.append(stages)
            batches[bind[0]] = committed
            firsts.setdefault(probe, (sent, bind[0]))
    report("Talkwire", talkwire)
    behind_commit(firsts, batches)
    report("RabbitMQ direct", direct)


def behind_commit(firsts, batches):
    """How many messages reached Talkwire while the previous batch's commit was on its way, and waited for it."""
    binds = sorted(batches)
    waits = []
    for sent, bind in firsts.values():
        at = bisect.bisect_left(binds, bind)
        if at > 0 and sent < batches[binds[at - 1]]:
            waits.append((batches[binds[at - 1]] - sent) * 1000)
    shared = defaultdict(int)
    for _, bind in firsts.values():
        shared[bind] += 1
    batched_with_other = sum(n for n in shared.values() if n > 1)
    print(f"\nmessages: {len(firsts)}; in a batch with another: {batched_with_other}; arrived while the previous "
          f"batch was committing: {len(waits)}, waiting for it p50 {percentile(waits, 50):.2f} ms, "
          f"p99 {percentile(waits, 99):.2f} ms")


def report(name, deliveries):
    print(f"\n{name}: {len(deliveries)} deliveries")
    if not deliveries:
        return
    if len({len(d) for d in deliveries}) > 1:
        deliveries = [d for d in deliveries if len(d) == len(max(deliveries, key=len))]
        print(f"(those that crossed the relay: {len(deliveries)})")
    totals = sorted(d["total"] for d in deliveries)
    slow = [d for d in deliveries if d["total"] >= percentile(totals, 99)]
    print("| stage | p50 (ms) | p90 (ms) | p99 (ms) | mean in the slowest 1% (ms) |")
    print("|---|---|---|---|---|")
    for stage in deliveries[0]:
        values = [d[stage] * 1000 for d in deliveries]
        mean_slow = sum(d[stage] for d in slow) / len(slow) * 1000
        print(f"| {stage} | {percentile(values, 50):.2f} | {percentile(values, 90):.2f} | "
              f"{percentile(values, 99):.2f} | {mean_slow:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
