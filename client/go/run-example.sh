#!/usr/bin/env bash
# Generates the Go client stubs from proto/recloop/v1/recloop.proto and runs
# the example against a recloopd at ADDRESS (host:port).
#
#   client/go/run-example.sh 127.0.0.1:50051
#
# Exits with the example's exit code, or 77 (with "SKIP go: ..." on stderr)
# when the Go toolchain or protoc is missing. Re-runs are cheap: the protoc
# plugins are installed once into .bin/, and Go caches the build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if [[ $# -ne 1 ]]; then
  echo "usage: $0 HOST:PORT" >&2
  exit 2
fi
address=$1

# Plugin versions. Keep protoc-gen-go at the google.golang.org/protobuf
# version in go.mod so generated code and runtime agree.
PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2

skip() {
  echo "SKIP go: $*" >&2
  exit 77
}
command -v go >/dev/null 2>&1 || skip "go not found on PATH"
command -v protoc >/dev/null 2>&1 || skip "protoc not found on PATH"
# protoc looks for the well-known types (google/protobuf/timestamp.proto) in
# ../include next to its binary; Debian ships them in libprotobuf-dev.
protoc_include="$(dirname "$(readlink -f "$(command -v protoc)")")/../include"
[[ -f $protoc_include/google/protobuf/timestamp.proto ]] ||
  skip "protoc found but not google/protobuf/timestamp.proto under $protoc_include (install libprotobuf-dev)"

export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
bin_dir="$PWD/.bin"
mkdir -p "$bin_dir"
# Serialize setup and build with any concurrent run of this script.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$bin_dir/.lock"
  # Bounded: a run stuck holding the lock fails this one instead of hanging it.
  flock -w 600 9 || {
    echo "go: waited 600 s for the lock $bin_dir/.lock held by another run-example.sh" >&2
    exit 1
  }
fi

# Installs a protoc plugin into .bin/ unless that exact version is there.
install_plugin() { # NAME PACKAGE VERSION
  local name=$1 pkg=$2 version=$3
  if [[ -x $bin_dir/$name ]] &&
     go version -m "$bin_dir/$name" 2>/dev/null | grep -q "[[:space:]]mod[[:space:]].*[[:space:]]$version[[:space:]]"; then
    return
  fi
  echo "installing $pkg@$version into $bin_dir" >&2
  GOBIN="$bin_dir" go install "$pkg@$version" >&2
}
install_plugin protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go "$PROTOC_GEN_GO_VERSION"
install_plugin protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc "$PROTOC_GEN_GO_GRPC_VERSION"

# Regenerate the stubs on every run (it takes a fraction of a second), so
# they always match the proto. They land in recloopv1/ (see go_package).
module=github.com/recloop/recloop/client/go
rm -rf recloopv1
protoc -I ../../proto -I "$protoc_include" \
  --plugin=protoc-gen-go="$bin_dir/protoc-gen-go" \
  --plugin=protoc-gen-go-grpc="$bin_dir/protoc-gen-go-grpc" \
  --go_out=. --go_opt=module=$module \
  --go-grpc_out=. --go-grpc_opt=module=$module \
  recloop/v1/recloop.proto

# Build (incremental, cached by Go) and run the example.
go build -o "$bin_dir/example" ./example >&2
exec 9>&- # release the lock
set +e
"$bin_dir/example" "$address"
status=$?
set -e
exit $status
