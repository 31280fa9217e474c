#!/bin/sh
# Build the xenstored libFuzzer target with clang (ASan + UBSan) and run it.
#   test/fuzz/xenstored/run.sh [--build-dir DIR] [libFuzzer options...]
# Default run: 20000 executions over the seed corpus. Long runs, e.g.:
#   test/fuzz/xenstored/run.sh -max_total_time=3600 -jobs=2 /tmp/xs-corpus
# Needs clang and libclang-rt-14-dev (provides libclang_rt.fuzzer). Independent of meson so it
# never needs a clang build of the whole tree.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=${TMPDIR:-/tmp}/xenstored-fuzz
if [ "${1:-}" = "--build-dir" ]; then build=$2; shift 2; fi
cxx=${CLANGXX:-clang++}
mkdir -p "$build"

srcs="$root/libs/xs/src/wire.cc"
for f in connection daemon daemon_control daemon_domains daemon_nodes daemon_watch_tx ops path \
         perms quota ring store transaction watches persist; do
  srcs="$srcs $root/xenstored/$f.cc"
done

bin="$build/fuzz_xenstored"
# Rebuild only when a source is newer than the binary.
stale=1
if [ -x "$bin" ]; then
  stale=0
  for f in $srcs "$here/fuzz_xenstored.cc" "$root"/xenstored/*.hpp "$root"/libs/xs/include/xs/*.hpp; do
    if [ "$f" -nt "$bin" ]; then stale=1; fi
  done
fi
if [ $stale = 1 ]; then
  echo "building $bin with $cxx"
  # shellcheck disable=SC2086
  $cxx -std=c++2b -O1 -g -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -Wall -Wextra -Werror \
    -I"$root/xenstored" -I"$root/libs/xs/include" \
    $srcs "$here/fuzz_xenstored.cc" -o "$bin.tmp"
  mv "$bin.tmp" "$bin"
fi

# Seed corpus: the checked-in seeds copied into a scratch directory the fuzzer may grow.
corpus="$build/corpus"
mkdir -p "$corpus"
cp "$here"/seeds/* "$corpus"/ 2>/dev/null || true

if [ $# -eq 0 ]; then set -- -runs=20000; fi
case " $* " in
  *" /"*|*" ./"*) exec "$bin" "$@" ;;   # caller named its own corpus directory
  *) exec "$bin" "$@" "$corpus" ;;
esac
