#!/usr/bin/env bash
# Installs what is missing, builds, and runs recloopd on its default store
# (./recloop-data, listening on 127.0.0.1:50051). Arguments go to recloopd.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh >&2
exec ./build/recloopd "$@"
