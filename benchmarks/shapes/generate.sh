#!/usr/bin/env bash
# Regenerates benchmarks/shapes/<model>.txt from the nine real models:
# `kite inspect --kernel-shapes` of each converted model, one kernel
# configuration a line. Run after changing the converter; commit the result.
#   benchmarks/shapes/generate.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
"$root/scripts/fetch-models.sh" "$build/models" >/dev/null
mkdir -p "$build/shapes"
grep -v '^#' "$root/benchmarks/models.txt" | while read -r name path input shape; do
  "$build/converter/kite" convert "$build/models/$path" -o "$build/shapes/$name.kite" --input-shape "$input:$shape" >/dev/null 2>&1
  "$build/converter/kite" inspect --kernel-shapes "$build/shapes/$name.kite" > "$root/benchmarks/shapes/$name.txt"
  echo "$name: $(wc -l < "$root/benchmarks/shapes/$name.txt") kernel shapes"
done
