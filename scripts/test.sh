#!/usr/bin/env bash
# Installs what the build needs, builds with -j2 and runs every test (ctest).
#   scripts/test.sh                   Release build in build/
#   scripts/test.sh --sanitize        ASan + UBSan build in build-sanitize/, then
#                                     the runtime's tests under TSan (build-tsan/)
#   scripts/test.sh --target aarch64  cross build in build-aarch64/: the runtime's
#   scripts/test.sh --target armv7    tests under qemu, then real models bit-exact
#                                     against x86 (platforms/arm/bitexact.py)
#   scripts/test.sh --target cortex-m bare-metal firmware under qemu-system-arm,
#                                     outputs against the host's
set -euo pipefail
cd "$(dirname "$0")/.."

mode=release
case "${1:-}" in
  "") ;;
  --sanitize) mode=sanitize ;;
  --target)
    case "${2:-}" in
      aarch64|armv7) exec platforms/arm/test_target.sh "$2" ;;
      cortex-m) exec platforms/arm/cortex-m/run.sh ;;
      *) echo "test.sh: --target takes aarch64, armv7 or cortex-m" >&2; exit 2 ;;
    esac ;;
  -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "test.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

if [[ $mode == sanitize ]]; then scripts/setup-deps.sh --sanitize; else scripts/setup-deps.sh; fi
if [[ $mode == sanitize ]]; then
  build=build-sanitize
  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DKITE_SANITIZE=ON)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
  build=build
  flags=(-DCMAKE_BUILD_TYPE=Release)
fi
cmake -S . -B "$build" -G Ninja "${flags[@]}" >/dev/null
cmake --build "$build" -j2
ctest --test-dir "$build" --output-on-failure -j2

if [[ $mode == sanitize ]]; then
  # ThreadSanitizer: the runtime's own tests (two interpreters sharing one
  # model on two threads among them); the converter is not threaded.
  export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKITE_SANITIZE_THREAD=ON \
    -DKITE_RUNTIME_ONLY=ON -DKITE_BUILD_EXAMPLES=OFF -DKITE_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build build-tsan -j2
  ctest --test-dir build-tsan --output-on-failure -j2
fi
