#!/usr/bin/env bash
# Fails when an #include crosses the layers the wrong way:
#   server -> domain -> engine -> common, domain -> storage -> common.
# Run by the build (target check_layers) so that a wrong include fails it.
set -euo pipefail
root=${1:-$(dirname "$0")/..}
cd "$root"

# allowed <folder> <regex of allowed quoted includes>
failures=0
allowed() {
  local folder=$1 pattern=$2
  while IFS= read -r line; do
    echo "layering: $line (allowed from $folder/: $pattern)" >&2
    failures=$((failures + 1))
  done < <(grep -Hn '^#include "' "$folder"/*.h "$folder"/*.cc 2>/dev/null |
           grep -Ev "#include \"($pattern)")
}

testing='gtest/|gmock/|tests/testing/'
# common/proto_time.h converts protobuf timestamps for the layers that have
# them; the engine never does.
allowed common  'common/|absl/|google/protobuf/'
allowed engine  "engine/|common/(clock|log|split_mix|status_macros|uuid)\.h|absl/|gtest/|gmock/"
allowed storage "storage/|common/|absl/|rocksdb/|$testing"
allowed domain  "domain/|engine/|storage/|common/|absl/|recloop/|google/protobuf/|$testing"
if [ "$failures" -gt 0 ]; then
  echo "layering: $failures include(s) cross a layer" >&2
  exit 1
fi
