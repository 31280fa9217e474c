#!/bin/sh
# Build the blkback libFuzzer target with clang (ASan + UBSan) and run it.
#   test/fuzz/blkback/run.sh [--build-dir DIR] [libFuzzer options...]
# Default run: 20000 executions over the seed corpus. Long runs, e.g.:
#   test/fuzz/blkback/run.sh -max_total_time=3600 /tmp/blkback-corpus
# Needs clang-16 and libclang-rt-16-dev. Independent of meson, like test/fuzz/xenstored/run.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=${TMPDIR:-/tmp}/blkback-fuzz
if [ "${1:-}" = "--build-dir" ]; then build=$2; shift 2; fi
# clang 16 or later: the dom0 libraries use std::expected, whose libstdc++ 12 implementation
# needs conditionally trivial destructors (P0848), which clang 14 lacks (scripts/setup installs
# clang-16 and libclang-rt-16-dev).
cxx=${CLANGXX:-$(command -v clang++-16 || echo clang++)}
mkdir -p "$build"

srcs="$root/libs/hvcall/src/error.cc $root/libs/gnttab/src/fake_grants.cc"
srcs="$srcs $root/libs/gnttab/src/device_grants.cc $root/libs/foreignmem/src/fake_world.cc"
srcs="$srcs $root/libs/evtchn/src/fake_event_channels.cc"
for f in protocol data_path backing_store queue executor; do
  srcs="$srcs $root/backends/blkback/$f.cc"
done

bin="$build/fuzz_blkback"
stale=1
if [ -x "$bin" ]; then
  stale=0
  for f in $srcs "$here/fuzz_blkback.cc" "$root"/backends/blkback/*.hpp "$root"/libs/*/include/*/*.hpp; do
    if [ "$f" -nt "$bin" ]; then stale=1; fi
  done
fi
if [ $stale = 1 ]; then
  echo "building $bin with $cxx"
  incs=""
  for l in hvcall gnttab foreignmem evtchn ring; do incs="$incs -I$root/libs/$l/include"; done
  # libstdc++ 12 offers std::expected (the dom0 libraries' Result) only when __cpp_concepts
  # says 202002; clang 16 reports 201907 although it compiles what <expected> needs.
  concepts="-Wno-builtin-macro-redefined -U__cpp_concepts -D__cpp_concepts=202002L"
  # shellcheck disable=SC2086
  $cxx -std=c++2b $concepts -O1 -g -fno-omit-frame-pointer -pthread \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -Wall -Wextra -Werror \
    -I"$root/backends/blkback" $incs \
    $srcs "$here/fuzz_blkback.cc" -o "$bin.tmp"
  mv "$bin.tmp" "$bin"
fi

corpus="$build/corpus"
mkdir -p "$corpus"
cp "$here"/seeds/* "$corpus"/ 2>/dev/null || true

if [ $# -eq 0 ]; then set -- -runs=20000; fi
case " $* " in
  *" /"*|*" ./"*) exec "$bin" "$@" ;;
  *) exec "$bin" "$@" "$corpus" ;;
esac
