#!/usr/bin/env bash
# Raft commit benchmark (issue 3): 3 hosts in one JVM on loopback, RocksDB with fsync, 1 and 64
# proposers on 1 group and on 1,000 groups, beside a synced RocksDB write and a gRPC round trip.
#
#   bench/raft-commit.sh [seconds-per-case (default 10)] [tick-millis (default 50)] \
#       [groups, comma-separated (default 1,1000)] [proposers, comma-separated (default 1,64)] \
#       [rounds (default 1)] [trace]
# With `trace`, each measured case also prints where its commits waited, hop by hop (every 20th
# group is stamped). Rounds repeat the proposer counts in turn and give the 64-vs-1 ratio per round and its median
# (this machine's noise is larger between cases minutes apart than within a round). Pick one case
# to profile it, e.g. `10 50 1000 64`
# with MAVEN_OPTS=-XX:StartFlightRecording=filename=/tmp/raft.jfr (exec:java runs in Maven's JVM).
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/range-store-main.sh" RaftCommitBenchmark "${1:-10}" "${2:-50}" "${3:-1,1000}" "${4:-1,64}" "${5:-1}" ${6:-}
