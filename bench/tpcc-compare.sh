#!/usr/bin/env bash
# Runs the same TPC-C workload (init, run, check) against PostgreSQL and rangedb and prints one
# table: system, tpmC, New-Order p50/p99 latency, and tpmC as a ratio to PostgreSQL.
#
#   bench/tpcc-compare.sh [--warehouses N] [--terminals T] [--duration 60s] [--ramp 0s]
#                         [--isolation SERIALIZABLE|REPEATABLE_READ] [--keep]
#
# PostgreSQL is installed with apt-get if missing and started on 127.0.0.1, on a free port, in a
# temporary directory that is removed at the end (--keep leaves it and the result files).
# rangedb rows run when their JDBC URL is set (RANGEDB_URL, RANGEDB_3NODE_URL); until rangedb
# serves SQL they are reported as skipped, never with made-up numbers.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../bin/find-java
. "$root/bin/find-java"

warehouses=1
terminals=4
duration=60s
ramp=0s
isolation=SERIALIZABLE
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --warehouses) warehouses="$2"; shift 2 ;;
    --terminals) terminals="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --ramp) ramp="$2"; shift 2 ;;
    --isolation) isolation="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

# The systems to compare: name, JDBC URL, user, and the reason a row is skipped when its URL is
# empty. Adding a system, or turning a rangedb row on, is one line (or one environment variable).
systems=()
add_system() { systems+=("$1|$2|$3|$4"); }
pending="the SQL layer has not landed yet, so rangedb cannot serve these queries"
# PostgreSQL's URL is filled in once the server below is up.
add_system "postgresql" "@PG_URL@" "postgres" ""
add_system "rangedb (1 node)" "${RANGEDB_URL:-}" "root" "$pending"
add_system "rangedb (3 nodes)" "${RANGEDB_3NODE_URL:-}" "root" "$pending"

work="$(mktemp -d /tmp/rangedb-tpcc.XXXXXX)"
pg_bin=""
pg_data="$work/pg/data"
run_as=()
cleanup() {
  if [ -n "$pg_bin" ] && [ -f "$pg_data/postmaster.pid" ]; then
    "${run_as[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ "$keep" = 0 ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

find_pg_bin() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
    return
  fi
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; fi
}

pg_bin="$(find_pg_bin)"
if [ -z "$pg_bin" ]; then
  echo "PostgreSQL not found: installing it with apt-get" >&2
  if [ "$(id -u)" != 0 ]; then
    echo "need root to run 'apt-get install postgresql'; install it and retry" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  pg_bin="$(find_pg_bin)"
  [ -n "$pg_bin" ] || { echo "PostgreSQL still not found after apt-get" >&2; exit 1; }
fi

# PostgreSQL refuses to run as root: as root, run it as the postgres system user on a directory
# it owns.
mkdir -p "$work/pg"
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$work/pg"
  chmod 755 "$work"
  run_as=(runuser -u postgres --)
fi
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
  || shuf -i 20000-60000 -n 1)"
"${run_as[@]}" "$pg_bin/initdb" -D "$pg_data" -U postgres -A trust -E UTF8 >/dev/null
"${run_as[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -l "$work/pg/postgres.log" -w -t 60 \
  -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
pg_url="jdbc:postgresql://127.0.0.1:$port/postgres"
pg_version="$("$pg_bin/postgres" --version)"

echo "building the workload tool" >&2
(cd "$root" && bin/mvn -B -q -pl workload package -DskipTests \
  && bin/mvn -B -q -pl workload dependency:build-classpath -Dmdep.outputFile="$work/classpath" >/dev/null)
cp="$root/workload/target/classes:$(cat "$work/classpath")"
workload() {
  java -Dslf4j.internal.verbosity=ERROR -cp "$cp" io.rangedb.workload.WorkloadMain "$@"
}

rows=()
pg_tpmc=""
for entry in "${systems[@]}"; do
  IFS='|' read -r name url user reason <<<"$entry"
  url="${url/@PG_URL@/$pg_url}"
  if [ -z "$url" ]; then
    rows+=("$name|skipped: $reason")
    continue
  fi
  slug="$(printf '%s' "$name" | tr -c 'a-z0-9' '-')"
  echo "== $name: init $warehouses warehouse(s)" >&2
  workload tpcc init --url "$url" --user "$user" --warehouses "$warehouses" >&2
  echo "== $name: run $terminals terminal(s) for $duration" >&2
  # The machine may be shared: the load average around the run says how much of it we had.
  load_before="$(cut -d' ' -f1 /proc/loadavg)"
  workload tpcc run --url "$url" --user "$user" --warehouses "$warehouses" \
    --terminals "$terminals" --duration "$duration" --ramp "$ramp" --isolation "$isolation" \
    --json "$work/$slug.json" >&2
  load_after="$(cut -d' ' -f1 /proc/loadavg)"
  echo "== $name: check" >&2
  if workload tpcc check --url "$url" --user "$user" >"$work/$slug.check" 2>&1; then
    check=PASS
  else
    check=FAIL
  fi
  cat "$work/$slug.check" >&2
  json="$(cat "$work/$slug.json")"
  tpmc="$(sed -n 's/.*"tpmC":\([0-9.]*\).*/\1/p' <<<"$json")"
  no="$(sed -n 's/.*{"name":"new-order",\([^}]*\)}.*/\1/p' <<<"$json")"
  p50="$(sed -n 's/.*"p50_ms":\([0-9.]*\).*/\1/p' <<<"$no")"
  p99="$(sed -n 's/.*"p99_ms":\([0-9.]*\).*/\1/p' <<<"$no")"
  [ "$name" = postgresql ] && pg_tpmc="$tpmc"
  ratio="$(awk -v a="$tpmc" -v b="$pg_tpmc" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
  rows+=("$name|$tpmc|$p50|$p99|$ratio|$check|$load_before -> $load_after")
done

echo
echo "TPC-C: $warehouses warehouse(s), $terminals terminal(s), $duration measured after a $ramp warm-up, $isolation, no waits;"
echo "PostgreSQL: $pg_version on 127.0.0.1; $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $(date -u '+%Y-%m-%d %H:%M UTC')"
printf '%-20s %10s %14s %14s %10s %6s  %s\n' system tpmC "NO p50 (ms)" "NO p99 (ms)" "vs PG" check "load avg"
for row in "${rows[@]}"; do
  IFS='|' read -r name a b c d e f <<<"$row"
  if [ -z "$b" ]; then
    printf '%-20s %s\n' "$name" "$a"
  else
    printf '%-20s %10.1f %14.1f %14.1f %10s %6s  %s\n' "$name" "$a" "$b" "$c" "$d" "$e" "$f"
  fi
done
