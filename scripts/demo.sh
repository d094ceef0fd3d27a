#!/usr/bin/env bash
# Installs what is missing, builds, writes a small CNN to .kite and runs it
# with the C API, printing its outputs, arena and latency.
#
# Until `kite convert` lands, the model is a deterministic MobileNet-style
# block written by kite_make_demo_model through the converter's writer, not a
# trained ONNX model.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target kite_make_demo_model kite_run_example
mkdir -p build/demo
echo
build/tests/kite_make_demo_model build/demo/demo.kite
echo
build/runtime/examples/kite_run_example build/demo/demo.kite 50
