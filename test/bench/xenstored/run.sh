#!/bin/sh
# Run the benchmark against a fresh xenstored on a temporary socket.
#   test/bench/xenstored/run.sh BUILD_DIR [bench options]
# e.g. ninja -C build/host test/bench/xenstored/xenstored_bench xenstored/xenstored &&
#      test/bench/xenstored/run.sh build/host --ops 5000
# To compare with Xen's daemon, start it on a socket yourself and run
#      BUILD_DIR/test/bench/xenstored/xenstored_bench --socket PATH --pid PID
set -eu
build=${1:?usage: run.sh BUILD_DIR [bench options]}
shift
work=$(mktemp -d)
"$build/xenstored/xenstored" --no-domain-rings --socket "$work/socket" --pid-file "$work/pid" &
daemon=$!
trap 'kill $daemon 2>/dev/null; rm -rf "$work"' EXIT
while [ ! -s "$work/pid" ]; do sleep 0.05; done
"$build/test/bench/xenstored/xenstored_bench" --socket "$work/socket" --pid "$daemon" "$@"
