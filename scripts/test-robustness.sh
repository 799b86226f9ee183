#!/usr/bin/env bash
# The robustness stage of CI, after scripts/test.sh:
#  1. every test again under AddressSanitizer + UndefinedBehaviorSanitizer
#     (Debug build in build-asan/);
#  2. the PutEvents validation fuzzer (libFuzzer, clang) for a bounded time
#     (FUZZ_SECONDS, default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DRECLOOP_ASAN=ON -DRECLOOP_UBSAN=ON
cmake --build build-asan
(cd build-asan && ctest --output-on-failure -j "$(nproc)")

if ! command -v clang++ >/dev/null || ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "ok installed"; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev
fi
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRECLOOP_FUZZ=ON -DRECLOOP_BUILD_TESTS=OFF
cmake --build build-fuzz --target put_events_fuzzer
corpus=$(mktemp -d)
build-fuzz/put_events_fuzzer -max_total_time="${FUZZ_SECONDS:-60}" -max_len=4096 "$corpus"
rm -rf "$corpus"
