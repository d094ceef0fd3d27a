#!/usr/bin/env bash
# The share of one invoke spent outside the kernels, counted in instructions
# (valgrind's callgrind: repeatable whatever else the machine is doing, unlike
# time): the instructions of Interpreter::Invoke itself (its loop over the
# nodes) against everything it runs.
#   benchmarks/models/outside_kernels.sh MODEL.kite [MODEL.kite ...]
# Needs valgrind and a build in build/ (kite run executes one invoke).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
kite="$root/build/converter/kite"
[[ $# -ge 1 ]] || { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
command -v valgrind >/dev/null || { echo "outside_kernels.sh: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for model in "$@"; do
  valgrind --tool=callgrind --callgrind-out-file="$work/cg" --toggle-collect='kite::Interpreter::Invoke()' \
    "$kite" run "$model" --output-dir "$work/out" >/dev/null 2>&1
  callgrind_annotate --inclusive=no --threshold=100 "$work/cg" | awk -v m="$model" '
    /PROGRAM TOTALS/ { gsub(",", "", $1); total = $1 }
    /kite::Interpreter::Invoke\(\)/ { gsub(",", "", $1); self = $1 }
    END { printf "%s: %d of %d instructions in an invoke are outside the kernels (%.4f%%)\n", m, self, total, 100 * self / total }'
done
