#!/usr/bin/env python3
"""How long the disk takes to flush: writes 8 kB and calls fdatasync, at a steady rate, as PostgreSQL flushes its WAL
at each commit, and prints the latency's percentiles. Usage, on PostgreSQL's file system (the file is removed after):

    python3 bench/fsync-probe.py /var/lib/postgresql/fsync-probe 100 30    # path, flushes per second, seconds
"""
import os
import sys
import time

path, rate, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
block = b"x" * 8192
latencies = []
offset = 0
due = time.monotonic()
end = due + seconds
try:
    while time.monotonic() < end:
        os.pwrite(fd, block, offset)
        offset = (offset + len(block)) % (16 * 1024 * 1024)  # a 16 MB file, as a WAL segment
        started = time.perf_counter()
        os.fdatasync(fd)
        latencies.append((time.perf_counter() - started) * 1000)
        due += 1 / rate
        time.sleep(max(0.0, due - time.monotonic()))
finally:
    os.close(fd)
    os.unlink(path)

latencies.sort()
count = len(latencies)


def at(share):
    return latencies[min(count - 1, int(share * count))]


print(f"{count} flushes: p50 {at(.5):.2f} ms, p95 {at(.95):.2f} ms, p99 {at(.99):.2f} ms, "
      f"p99.9 {at(.999):.2f} ms, max {latencies[-1]:.2f} ms; over 5 ms: {sum(1 for x in latencies if x > 5)}")
