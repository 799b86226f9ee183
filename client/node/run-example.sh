#!/usr/bin/env bash
# Installs the Node.js dependencies (@grpc/grpc-js, @grpc/proto-loader) and
# runs the example against a recloopd at ADDRESS (host:port). The example
# loads proto/recloop/v1/recloop.proto at run time: there are no stubs.
#
#   client/node/run-example.sh 127.0.0.1:50051
#
# Exits with the example's exit code, or 77 (with "SKIP node: ..." on stderr)
# when node or npm is missing. Re-runs are cheap: `npm ci` runs only when
# node_modules/ is missing or was installed from another package-lock.json
# (or node version).
set -euo pipefail
# cd to this script's folder (with builtins only, so the SKIP checks below
# work even on a bare PATH).
if [[ ${BASH_SOURCE[0]} == */* ]]; then cd "${BASH_SOURCE[0]%/*}"; fi

if [[ $# -ne 1 ]]; then
  echo "usage: $0 HOST:PORT" >&2
  exit 2
fi
address=$1

skip() {
  echo "SKIP node: $*" >&2
  exit 77
}
command -v node >/dev/null 2>&1 || skip "node not found on PATH"
command -v npm >/dev/null 2>&1 || skip "npm not found on PATH"

# Serialize setup with any concurrent run of this script.
if command -v flock >/dev/null 2>&1; then
  exec 9>".run-example.lock"
  # Bounded: a run stuck holding the lock fails this one instead of hanging it.
  flock -w 600 9 || {
    echo "node: waited 600 s for the lock .run-example.lock held by another run-example.sh" >&2
    exit 1
  }
fi

# Install exactly what package-lock.json pins, unless node_modules/ already
# holds that install (the stamp records the lockfile it came from).
stamp=node_modules/.recloop-example.stamp
want="$(node --version) $(cksum <package-lock.json)"
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  echo "installing node_modules with npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" >"$stamp"
fi
exec 9>&- # release the lock

set +e
node example.js "$address"
status=$?
set -e
exit $status
