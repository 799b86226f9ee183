#!/usr/bin/env bash
# Builds the Java client example (stubs generated from
# proto/recloop/v1/recloop.proto by Maven) and runs it against a recloopd at
# ADDRESS (host:port).
#
#   client/java/run-example.sh 127.0.0.1:50051
#
# Exits with the example's exit code, or 77 (with "SKIP java: ..." on stderr)
# when java or mvn is missing. Maven runs only when pom.xml, the sources or
# the proto changed since the last build; otherwise the jar runs directly.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if [[ $# -ne 1 ]]; then
  echo "usage: $0 HOST:PORT" >&2
  exit 2
fi
address=$1

skip() {
  echo "SKIP java: $*" >&2
  exit 77
}
command -v java >/dev/null 2>&1 || skip "java not found on PATH"
command -v mvn >/dev/null 2>&1 || skip "mvn not found on PATH"

# Serialize the build with any concurrent run of this script.
mkdir -p target
if command -v flock >/dev/null 2>&1; then
  exec 9>target/.lock
  # Bounded: a run stuck holding the lock fails this one instead of hanging it.
  flock -w 600 9 || {
    echo "java: waited 600 s for the lock target/.lock held by another run-example.sh" >&2
    exit 1
  }
fi

jar=target/recloop-example.jar
stamp_file=target/.inputs.sha256
# Fingerprint of everything the jar is built from.
stamp=$( { sha256sum pom.xml ../../proto/recloop/v1/*.proto; find src -type f -print0 | sort -z | xargs -0 sha256sum; } | sha256sum | cut -d' ' -f1)

if [[ ! -f $jar || ! -f $stamp_file || $(<"$stamp_file") != "$stamp" ]]; then
  echo "building $jar with Maven" >&2
  # -q: only errors; >&2: keep stdout for the example's output.
  mvn -q -B package -DskipTests >&2
  echo "$stamp" >"$stamp_file"
fi
exec 9>&- # release the lock

set +e
java -jar "$jar" "$address"
status=$?
set -e
exit $status
