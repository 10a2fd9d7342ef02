#!/usr/bin/env python3
"""Does this machine's disk stall fsyncs? N threads each append 200 bytes to their own file and
fdatasync it, back to back, for S seconds; prints fsyncs per second and the fsyncs that took over
6 ms, with the millisecond (mod 100) at which each ended. On the 2-core VMs of 2026-12-02, three
threads stalled together for 10-20 ms at every 100 ms boundary (a throttled virtual disk), one
thread did not, and three threads taking turns (`ser`) did not either.

    bench/fsync-stalls.py [threads (default 3)] [seconds (default 4)] [par|ser (default par)]
"""
import os
import sys
import tempfile
import threading
import time

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 3
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 4.0
in_turn = len(sys.argv) > 3 and sys.argv[3] == "ser"
turn = threading.Lock()
slow = []
counts = [0] * threads
directory = tempfile.mkdtemp(prefix="fsync-stalls-")
start = time.monotonic()


def run(i):
    path = os.path.join(directory, "f%d" % i)
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    offset, data = 0, b"x" * 200
    try:
        while time.monotonic() - start < seconds:
            os.pwrite(fd, data, offset)
            offset = (offset + len(data)) % (60 << 20)
            began = time.monotonic()
            if in_turn:
                with turn:
                    os.fdatasync(fd)
            else:
                os.fdatasync(fd)
            ended = time.monotonic()
            counts[i] += 1
            if ended - began > 0.006:
                slow.append(((ended - start) * 1000, (ended - began) * 1000))
    finally:
        os.close(fd)
        os.unlink(path)


workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
for w in workers:
    w.start()
for w in workers:
    w.join()
os.rmdir(directory)
print("%d threads%s: %.0f fsyncs/s, %d over 6 ms" % (
    threads, " in turn" if in_turn else "", sum(counts) / seconds, len(slow)))
if slow:
    print("ended at ms (mod 100) / took ms:",
          " ".join("%d/%.1f" % (int(t) % 100, d) for t, d in sorted(slow)[:30]))
