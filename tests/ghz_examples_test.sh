#!/usr/bin/env bash
# Runs every ghz line of README.md's "ghz, one line per RPC" block against a
# fresh recloopd, once through server reflection and once with --proto, and
# checks that each call returned OK.
#
#   bash tests/ghz_examples_test.sh RECLOOPD RECLOOP_CLI
#
# Installs ghz with Go when missing; without Go it prints a SKIP line and
# exits 77 (ctest's skip code), or fails when RECLOOP_REQUIRE_ALL_CLIENTS=1.
set -euo pipefail
RECLOOPD=$1
CLI_BIN=$2
cd "$(dirname "$0")/.."

GHZ=$(command -v ghz || echo "$HOME/go/bin/ghz")
if [ ! -x "$GHZ" ]; then
  if command -v go >/dev/null; then
    go install github.com/bojand/ghz/cmd/ghz@v0.121.0 >&2
    GHZ="$(go env GOPATH)/bin/ghz"
  elif [ "${RECLOOP_REQUIRE_ALL_CLIENTS:-}" = 1 ]; then
    echo "FAIL: neither ghz nor Go is installed" >&2
    exit 1
  else
    echo "SKIP ghz: neither ghz nor Go is installed"
    exit 77
  fi
fi

WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    # recloopd drains and exits on SIGTERM; SIGKILL it after 20 s.
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 200); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ADDR=127.0.0.1:$PORT
"$RECLOOPD" --listen="$ADDR" --data_dir="$WORK/data" 2>"$WORK/recloopd.log" &
SERVER_PID=$!
CLI=("$CLI_BIN" --address="$ADDR" --timeout=10s --max_attempts=50)
# The first call retries until recloopd listens, for at most its 10 s.
if ! "${CLI[@]}" create-dataset-group --name=shop >/dev/null; then
  echo "FAIL: recloopd at $ADDR did not answer within 10 s; its log:" >&2
  cat "$WORK/recloopd.log" >&2
  exit 1
fi
TID=$("${CLI[@]}" create-event-tracker --name=shop-tracker --dataset_group=shop |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["tracking_id"])')
export ADDR TID

# The block between the marker and the closing fence.
mapfile -t LINES < <(awk '/<!-- ghz-examples/{on=1; next} on && /^```sh/{next}
                           on && /^```/{exit} on && /^ghz /{print}' README.md)
if [ "${#LINES[@]}" -lt 16 ]; then
  echo "FAIL: found ${#LINES[@]} ghz lines in README.md, expected one per RPC (16)" >&2
  exit 1
fi

failures=0
for mode in reflection proto; do
  "${CLI[@]}" create-dataset-group --name=scratch >/dev/null
  "${CLI[@]}" create-recommender --name=scratch-rec --dataset_group=scratch >/dev/null
  extra=""
  [ "$mode" = proto ] && extra="--proto proto/recloop/v1/recloop.proto --import-paths proto"
  for line in "${LINES[@]}"; do
    command=${line/#ghz /\"\$GHZ\" $extra -O json }
    rpc=$(grep -o 'recloop\.v1\.[A-Za-z]*/[A-Za-z]*' <<<"$line")
    if ! report=$(eval "$command" 2>"$WORK/ghz.err"); then
      echo "FAIL $mode $rpc: ghz failed: $(cat "$WORK/ghz.err")"
      failures=$((failures + 1))
      continue
    fi
    verdict=$(python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
codes = r.get("statusCodeDistribution", {})
print("ok" if codes == {"OK": 1} else "got %s %s" % (codes, r.get("errorDistribution")))' <<<"$report")
    if [ "$verdict" = ok ]; then
      echo "ok $mode $rpc"
    else
      echo "FAIL $mode $rpc: $verdict"
      failures=$((failures + 1))
    fi
  done
done
[ "$failures" -eq 0 ] || { echo "$failures ghz lines failed"; exit 1; }
echo "all ${#LINES[@]} README ghz lines returned OK, through reflection and --proto"
