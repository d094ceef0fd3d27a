#!/usr/bin/env bash
# Kite on the nine real models, float32 and int8, 1 and 2 threads, side by
# side: builds, fetches the models, converts each to float32 and to int8
# (calibrated on scikit-image's sample photographs), then runs `kite bench`
# on every (model, precision, threads) in alternating rounds and writes
# build/bench/table.md and table.json. Options go to table.py
# (e.g. --rounds 3 --runs 10 --models ppocr_det,ppocr_rec).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
scripts/setup-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target kite
scripts/fetch-models.sh build/models
photos=$(dirname "$(dpkg -L python3-skimage | grep '/skimage/data/astronaut.png$')")
python3 benchmarks/models/table.py --build build --photos "$photos" "$@"
