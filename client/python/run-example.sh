#!/usr/bin/env bash
# Generates the Python client stubs from proto/recloop/v1/recloop.proto and
# runs the example against a recloopd at ADDRESS (host:port).
#
#   client/python/run-example.sh 127.0.0.1:50051
#
# Exits with the example's exit code, or 77 (with "SKIP python: ..." on
# stderr) when python3 (with venv) is missing. Re-runs are cheap: the
# virtualenv in .venv/ is rebuilt only when requirements.txt changes.
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
  echo "SKIP python: $*" >&2
  exit 77
}
command -v python3 >/dev/null 2>&1 || skip "python3 not found on PATH"
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 ||
  skip "python3 has no venv/ensurepip module (install python3-venv)"

# Serialize setup with any concurrent run of this script.
if command -v flock >/dev/null 2>&1; then
  exec 9>".run-example.lock"
  # Bounded: a run stuck holding the lock fails this one instead of hanging it.
  flock -w 600 9 || {
    echo "python: waited 600 s for the lock .run-example.lock held by another run-example.sh" >&2
    exit 1
  }
fi

# (Re)create the virtualenv when it is missing or requirements.txt (or the
# Python it was built with) changed since the last successful install.
venv=.venv
stamp="$venv/.requirements.stamp"
want="$(python3 --version 2>&1) $(cksum <requirements.txt)"
if [[ ! -x $venv/bin/python || ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  echo "setting up $PWD/$venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r requirements.txt >&2
  echo "$want" >"$stamp"
fi

# Regenerate the stubs on every run (well under a second), so they always
# match the proto: gen/recloop/v1/recloop_pb2.py and recloop_pb2_grpc.py.
rm -rf gen
mkdir -p gen
"$venv/bin/python" -m grpc_tools.protoc -I ../../proto \
  --python_out=gen --grpc_python_out=gen \
  ../../proto/recloop/v1/recloop.proto

# The lock stays held while the example runs, so a concurrent run cannot
# replace gen/ under it. example.py puts gen/ on its import path itself.
set +e
"$venv/bin/python" example.py "$address"
status=$?
set -e
exit $status
