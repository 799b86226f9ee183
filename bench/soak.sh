#!/usr/bin/env bash
# Soak: the mixed scenario (PutEvents 80% / GetRecommendations 20% of the
# workers) against one recloopd for SOAK seconds (default 600), sampling its
# resident memory every INTERVAL seconds (default 30).
#
#   bash bench/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SOAK=${SOAK:-600}
INTERVAL=${INTERVAL:-30}
C=${CONCURRENCY:-50}
GHZ=${GHZ:-$(command -v ghz || echo "$HOME/go/bin/ghz")}
[ -x "$GHZ" ] || { go install github.com/bojand/ghz/cmd/ghz@v0.121.0; GHZ="$(go env GOPATH)/bin/ghz"; }
WORK=$(mktemp -d)
cleanup() { kill "$SERVER_PID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
build/recloopd --listen=127.0.0.1:$PORT --data_dir="$WORK/data" 2>"$WORK/log" & SERVER_PID=$!
sleep 1
CLI="build/recloop --address=127.0.0.1:$PORT"
$CLI create-dataset-group --name=soak >/dev/null
TID=$($CLI create-event-tracker --name=soak-tracker --dataset_group=soak |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["tracking_id"])')
NOW='{{ now | date `2006-01-02T15:04:05.000000Z07:00` }}'
PUT="{\"tracking_id\":\"$TID\",\"user_id\":\"u{{randomInt 0 100000}}\",\"session_id\":\"s{{.RequestNumber}}\",\"event_list\":[{\"event_id\":\"{{newUUID}}\",\"event_type\":\"click\",\"item_id\":\"i{{randomInt 0 (randomInt 1 10000)}}\",\"sent_at\":\"$NOW\"}]}"
GET='{"dataset_group":"soak","user_id":"u{{randomInt 0 100000}}","num_results":10}'
PROTO=(--proto proto/recloop/v1/recloop.proto --import-paths proto --insecure --cpus 1 -z "${SOAK}s" -O json)
"$GHZ" "${PROTO[@]}" -c $((C * 4 / 5)) --call recloop.v1.EventService/PutEvents -d "$PUT" \
  127.0.0.1:$PORT > "$WORK/put.json" & PUT_PID=$!
"$GHZ" "${PROTO[@]}" -c $((C - C * 4 / 5)) --call recloop.v1.RecommendationService/GetRecommendations \
  -d "$GET" 127.0.0.1:$PORT > "$WORK/get.json" & GET_PID=$!
echo "command: SOAK=$SOAK INTERVAL=$INTERVAL CONCURRENCY=$C bash bench/soak.sh"
printf 'seconds\tRSS MiB\n'
for ((t = 0; t <= SOAK; t += INTERVAL)); do
  printf '%d\t%.0f\n' "$t" "$(awk '/VmRSS/ {print $2 / 1024}' /proc/$SERVER_PID/status)"
  sleep "$INTERVAL"
done
wait $PUT_PID $GET_PID
python3 bench/ghz_summary.py "mixed soak" 1 "$WORK/put.json" "$WORK/get.json" |
  awk -F'\t' '{printf "calls/s %s, events/s %s, p50 %s ms, p99 %s ms, errors %s\n", $2, $3, $4, $6, $7}'
