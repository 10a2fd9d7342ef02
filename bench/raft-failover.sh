#!/usr/bin/env bash
# Raft failover benchmark: 3 hosts in one JVM on loopback, RocksDB with fsync, leadership spread
# evenly and idle groups quiesced, a light load of proposers beside it. Each round stops one node
# and times, per group, from the stop to its next commit (groups the node led, and the others),
# then restarts the node and times its reopening and its catching up.
#
#   bench/raft-failover.sh [groups (default 1000)] [tick-millis (default 50)] [rounds (default 3)] \
#       [load proposers (default 8)] [seconds down (default 0)] [reads: safe or lease (default safe)]
# With `lease`, groups read from leader leases and the hosts count ticks by their clock.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/range-store-main.sh" RaftFailoverBenchmark "${1:-1000}" "${2:-50}" "${3:-3}" "${4:-8}" "${5:-0}" "${6:-safe}"
