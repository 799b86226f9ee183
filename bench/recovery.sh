#!/usr/bin/env bash
# Start-up after kill -9: loads EVENTS synthetic events (100k items) through
# the server's write and learning path with the default checkpoint cadence,
# exits without a final checkpoint (as kill -9 would), then times recloopd
# opening that store: WAL recovery, model load and journal replay.
#
#   EVENTS=1000000 bash bench/recovery.sh
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-1000000}
[ -x build/recloop-engine-bench ] && [ -x build/recloopd ] ||
  cmake --build build --target recloop-engine-bench recloopd
DIR=$(mktemp -d)
trap 'pkill -f "recloopd --data_dir=$DIR" 2>/dev/null || true; rm -rf "$DIR"' EXIT
echo "command: EVENTS=$EVENTS bash bench/recovery.sh"
build/recloop-engine-bench --data_dir="$DIR/data" --events="$EVENTS" --items=100000 \
  --queries=0 --crash_after_load | grep -v "^command"
LOG="$DIR/recloopd.log"
start=$(date +%s.%N)
build/recloopd --data_dir="$DIR/data" --listen=127.0.0.1:0 >"$LOG" 2>&1 &
for _ in $(seq 1 1200); do grep -q "listening" "$LOG" && break; sleep 0.1; done
end=$(date +%s.%N)
grep -q "listening" "$LOG" || { cat "$LOG"; exit 1; }
grep "opened store" "$LOG" | sed 's/^[^ ]* I //'
python3 -c "print(f'start-up after kill -9: {$end - $start:.1f} s until recloopd listened')"
