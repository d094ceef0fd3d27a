#!/usr/bin/env bash
# cmake --install the runtime into a scratch prefix, build the example against
# it with find_package(kite), and run it on a model.
# usage: install_test.sh BUILD_DIR SOURCE_DIR WORK_DIR MODEL_TOOL
set -euo pipefail
build=$1 source=$2 work=$3 make_model=$4
rm -rf "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/kite/kite.h"
cmake -S "$source/runtime/examples" -B "$work/example" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/example" >/dev/null
"$make_model" "$work/demo.kite" >/dev/null
out=$("$work/example/kite_run_example" "$work/demo.kite" 3)
echo "$out"
grep -q "output 'probabilities' \[1,10\] float32" <<<"$out"
grep -q "arena: [0-9]* bytes" <<<"$out"
