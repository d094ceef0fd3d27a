#!/usr/bin/env bash
# One command for the whole side-by-side comparison, float32 and int8: builds
# Kite, fetches the nine models and ONNX Runtime (npm), finds scikit-image's
# photographs (int8 calibration), then runs compare.js with any options given
# (e.g. --rounds 5 --runs 5, --models blazeface_front,ppocr_cls, --precision int8).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
scripts/setup-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target kite
scripts/fetch-models.sh build/models
photos=$(dirname "$(dpkg -L python3-skimage | grep '/skimage/data/astronaut.png$')")
node benchmarks/compare/compare.js --build build --photos "$photos" "$@"
