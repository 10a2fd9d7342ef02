#!/usr/bin/env bash
# Raft read benchmark: linearizable reads of 3 hosts on loopback (RocksDB, fsync on), confirmed by
# a quorum round against answered from the leader's lease, 1 and 64 readers on 1,000 groups; and,
# if intervals are given, paced reads: every group read once per interval (ms), sent at that rate.
#
#   bench/raft-read.sh [seconds-per-case (default 10)] [tick-millis (default 50)] \
#       [groups (default 1000)] [readers, comma-separated (default 1,64)] \
#       [paced intervals in ms, comma-separated (default none), e.g. 250,2000]
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/range-store-main.sh" RaftReadBenchmark "${1:-10}" "${2:-50}" "${3:-1000}" "${4:-1,64}" "${5:-}"
