#!/usr/bin/env bash
# Load benchmarks with ghz: recloopd against the do-nothing transport
# baseline (recloop-null-server), same ghz settings, same run.
#
#   bash bench/ghz.sh            # default durability (WAL, survives kill -9)
#   SYNC=1 bash bench/ghz.sh     # --sync (fsync per acknowledged write)
#
# Settings (environment): DURATION=10s CONCURRENCY=50 GHZ_CPUS=1
# Scenarios: 1) PutEvents, 1 event per call; 2) PutEvents, 10 events per
# call; 3) GetRecommendations for users with history; 4) mixed: PutEvents
# and GetRecommendations at once on the same users, 80%/20% of the workers.
# recloopd is loaded through --proto; scenarios 1 and 3 run once more
# through server reflection to check that both ways work.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DURATION=${DURATION:-10s}
C=${CONCURRENCY:-50}
CPUS=${GHZ_CPUS:-1}

GHZ=${GHZ:-$(command -v ghz || echo "$HOME/go/bin/ghz")}
if [ ! -x "$GHZ" ]; then
  echo "installing ghz with the Go toolchain" >&2
  go install github.com/bojand/ghz/cmd/ghz@v0.121.0
  GHZ="$(go env GOPATH)/bin/ghz"
fi
[ -x build/recloopd ] && [ -x build/recloop-null-server ] && [ -x build/recloop ] ||
  cmake --build build --target recloopd recloop recloop-null-server

WORK=$(mktemp -d)
cleanup() { kill "$SERVER_PID" "$NULL_PID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P_REC=$(free_port); P_NULL=$(free_port)
build/recloop-null-server --listen=127.0.0.1:$P_NULL 2>"$WORK/null.log" & NULL_PID=$!
build/recloopd --listen=127.0.0.1:$P_REC --data_dir="$WORK/data" ${SYNC:+--sync} \
  2>"$WORK/recloopd.log" & SERVER_PID=$!
sleep 1
CLI="build/recloop --address=127.0.0.1:$P_REC"
$CLI create-dataset-group --name=load >/dev/null
TID=$($CLI create-event-tracker --name=load-tracker --dataset_group=load |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["tracking_id"])')

PROTO=(--proto proto/recloop/v1/recloop.proto --import-paths proto)
COMMON=(--insecure --cpus "$CPUS" -c "$C" -z "$DURATION" --connections 1 -O json)
# 100k users; items Zipf-like: a uniform draw below a uniform bound favours
# small ids roughly as log(N/x).
NOW='{{ now | date `2006-01-02T15:04:05.000000Z07:00` }}'
event() { echo "{\"event_id\":\"{{newUUID}}-$1\",\"event_type\":\"click\",\"item_id\":\"i{{randomInt 0 (randomInt 1 10000)}}\",\"sent_at\":\"$NOW\"}"; }
put_data() {  # events user session
  local events="" n=$1
  for ((k = 0; k < n; k++)); do events+="${events:+,}$(event $k)"; done
  echo "{\"tracking_id\":\"$TID\",\"user_id\":\"$2\",\"session_id\":\"$3\",\"event_list\":[$events]}"
}
PUT1=$(put_data 1 'u{{randomInt 0 100000}}' 's{{.RequestNumber}}')
PUT10=$(put_data 10 'u{{randomInt 0 100000}}' 's{{.RequestNumber}}')
GET='{"dataset_group":"load","user_id":"u{{randomInt 0 10000}}","num_results":10}'
SEED=$(put_data 10 'u{{mod .RequestNumber 10000}}' 'seed{{mod .RequestNumber 10000}}')

# Users u0..u9999 get 20 events each first, so GetRecommendations has history.
"$GHZ" "${PROTO[@]}" --insecure -c 20 -n 20000 --call recloop.v1.EventService/PutEvents \
  -d "$SEED" -O json 127.0.0.1:$P_REC > "$WORK/seed.json"

# timed NAME ghz-args...: runs ghz, its report to NAME.json and its CPU time
# (user and system seconds) to NAME.cpu. ghz is CPU-bound at --cpus 1, and
# its CPU per call grows when the server answers more slowly (fewer calls
# share each write), so calls/s ratios mix client and server costs.
timed() {
  local name=$1; shift
  local TIMEFORMAT='%U %S'
  if ! { time "$GHZ" "$@" > "$WORK/$name.json" 2>"$WORK/$name.err"; } 2> "$WORK/$name.cpu"; then
    cat "$WORK/$name.err" >&2
    return 1
  fi
}
# The CPU seconds (user+system) a process has used so far.
proc_cpu() {
  python3 -c 'import os,sys; f=open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")",1)[1].split(); print((int(f[11])+int(f[12]))/os.sysconf("SC_CLK_TCK"))' "$1"
}
# server_cpu NAME PID BEFORE: the server's CPU seconds since BEFORE, to
# NAME.server (bench/ghz_summary.py turns it into server CPU per call).
server_cpu() {
  python3 -c 'import sys; print(float(sys.argv[1]) - float(sys.argv[2]))' "$(proc_cpu "$2")" "$3" \
    > "$WORK/$1.server"
}
pid_of() { [ "$1" = "$REC" ] && echo "$SERVER_PID" || echo "$NULL_PID"; }
run() {  # name target call data [extra ghz args...]
  local name=$1 target=$2 call=$3 data=$4; shift 4
  local pid before
  pid=$(pid_of "$target"); before=$(proc_cpu "$pid")
  timed "$name" "${COMMON[@]}" "$@" --call "$call" -d "$data" "$target"
  server_cpu "$name" "$pid" "$before"
}
mixed() {  # name target [proto args...]
  local name=$1 target=$2; shift 2
  local c_put=$((C * 4 / 5)) c_get=$((C - C * 4 / 5))
  local pid before
  pid=$(pid_of "$target"); before=$(proc_cpu "$pid")
  timed "$name-put" --insecure --cpus "$CPUS" -c $c_put -z "$DURATION" -O json "$@" \
    --call recloop.v1.EventService/PutEvents -d "$PUT1" "$target" &
  local put_pid=$!
  timed "$name-get" --insecure --cpus "$CPUS" -c $c_get -z "$DURATION" -O json "$@" \
    --call recloop.v1.RecommendationService/GetRecommendations -d "$GET" "$target"
  wait $put_pid
  server_cpu "$name-put" "$pid" "$before"
}
REC=127.0.0.1:$P_REC
NULL=127.0.0.1:$P_NULL
for target in rec null; do
  addr=$REC; [ $target = null ] && addr=$NULL
  run "$target-put1" "$addr" recloop.v1.EventService/PutEvents "$PUT1" "${PROTO[@]}"
  run "$target-put10" "$addr" recloop.v1.EventService/PutEvents "$PUT10" "${PROTO[@]}"
  run "$target-get" "$addr" recloop.v1.RecommendationService/GetRecommendations "$GET" "${PROTO[@]}"
  mixed "$target-mixed" "$addr" "${PROTO[@]}"
done
# The same calls through server reflection (no --proto).
run rec-put1-reflection "$REC" recloop.v1.EventService/PutEvents "$PUT1"
run rec-get-reflection "$REC" recloop.v1.RecommendationService/GetRecommendations "$GET"

S=bench/ghz_summary.py
echo "ghz $("$GHZ" --version 2>&1 | head -1), --cpus $CPUS, -c $C, -z $DURATION, --connections 1;" \
     "durability: $([ -n "${SYNC:-}" ] && echo 'fsync per write (--sync)' || echo 'WAL, survives kill -9')"
echo "command: ${SYNC:+SYNC=1 }DURATION=$DURATION CONCURRENCY=$C GHZ_CPUS=$CPUS bash bench/ghz.sh"
printf 'scenario\tcalls/s\tevents/s\tp50ms\tp95ms\tp99ms\terrors\tghz CPU us/call\tserver CPU us/call\tbaseline calls/s\tbaseline p99ms\tbaseline ghz CPU us/call\tbaseline server CPU us/call\tratio\n'
row() {  # label events_per_call rec-files -- null-files
  local label=$1 n=$2; shift 2
  local rec=() null=()
  while [ "$1" != "--" ]; do rec+=("$1"); shift; done; shift
  null=("$@")
  local r b
  r=$(python3 $S "$label" "$n" "${rec[@]}")
  b=$(python3 $S base "$n" "${null[@]}")
  python3 - "$r" "$b" <<'PY'
import sys
r, b = sys.argv[1].split("\t"), sys.argv[2].split("\t")
rate = float(b[1])
print("\t".join(r + [b[1], b[5], b[7], b[8], f"{float(r[1]) / rate:.2f}" if rate else "-"]))
PY
}
row "1 PutEvents x1" 1 $WORK/rec-put1.json -- $WORK/null-put1.json
row "2 PutEvents x10" 10 $WORK/rec-put10.json -- $WORK/null-put10.json
row "3 GetRecommendations" 0 $WORK/rec-get.json -- $WORK/null-get.json
row "4 mixed 80/20" 1 $WORK/rec-mixed-put.json $WORK/rec-mixed-get.json -- \
    $WORK/null-mixed-put.json $WORK/null-mixed-get.json
row "1 via reflection" 1 $WORK/rec-put1-reflection.json -- $WORK/null-put1.json
row "3 via reflection" 0 $WORK/rec-get-reflection.json -- $WORK/null-get.json
