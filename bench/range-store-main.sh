#!/usr/bin/env bash
# Builds range-store and what it needs, then runs one of its test-scope main classes (a benchmark)
# in Maven's JVM: bench/range-store-main.sh <class in io.rangedb.rangestore.raftcluster> [args...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
main="$1"
shift
bin/mvn -B -q install -DskipTests -Dspotless.check.skip=true -pl range-store -am
bin/mvn -B -q -pl range-store exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass="io.rangedb.rangestore.raftcluster.$main" -Dexec.args="$*"
