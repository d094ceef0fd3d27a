#!/usr/bin/env bash
# Builds and runs the bare-metal Cortex-M4F firmware under qemu-system-arm
# (MPS2-AN386) and checks it against the host (scripts/test.sh --target cortex-m):
#   platforms/arm/cortex-m/run.sh [MODEL_NAME]   (default blazeface_front)
# 1. the host converts the model to int8 (min-max ranges: every output comes
#    from int8 ops) and reports its arena for the kernels the firmware runs
#    (--kernels portable: Kite's portable kernels and the reference),
# 2. the firmware embeds the .kite bytes as a C array, its arena is a static
#    array of that size; built with arm-none-eabi-gcc and newlib, without
#    XNNPACK (the int8 engine has no SIMD variant there and declines);
#    arm-none-eabi-size reports text/data/bss,
# 3. qemu runs it; its output hash must equal the host's on the same inputs.
set -euo pipefail
cd "$(dirname "$0")/../../.."
name=${1:-blazeface_front}
scripts/setup-deps.sh
scripts/setup-deps.sh --target=cortex-m
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target kite kite_run_example
scripts/fetch-models.sh build/models

out=build-cortex-m
mkdir -p "$out/work"
read -r rel input shape < <(awk -v n="$name" '$1 == n { print $2, $3, $4 }' benchmarks/models.txt)
[[ -n "${rel:-}" ]] || { echo "run.sh: no model '$name' in benchmarks/models.txt" >&2; exit 2; }
photos=$(dirname "$(dpkg -L python3-skimage | grep '/skimage/data/astronaut.png$')")
calibration="$out/work/calibration"
mkdir -p "$calibration"
# Calibration photographs and preprocessing as benchmarks/models/table.py has them.
settings() { python3 -c 'import sys; sys.path.insert(0, "benchmarks/models"); from table import preprocessing
photos, flags = preprocessing(sys.argv[1]); print(" ".join(photos[:4] if sys.argv[2] == "photos" else flags))' "$name" "$1"; }
read -r -a calibration_photos <<< "$(settings photos)"
read -r -a flags <<< "$(settings flags)"
for f in "${calibration_photos[@]}"; do ln -sf "$photos/$f" "$calibration/$f"; done
model="$out/work/$name.int8.kite"
echo "== host: convert $name to int8"
# --target-sqnr 0: every op in int8 (no 16x8 or float promotions), the firmware's smallest form.
build/converter/kite convert "build/models/$rel" -o "$model" --input-shape "$input:$shape" --quantize int8 \
  --target-sqnr 0 --method minmax --calibration "$calibration" "${flags[@]}" > "$out/work/convert.log"
head -1 "$out/work/convert.log"
# The arena as the firmware's kernels need it on the host: an upper bound for
# the 32-bit target (its pointers and kernel state are no larger).
arena=$(build/converter/kite bench "$model" --kernels portable --runs 1 --warmup 0 --json |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["arena_bytes"]["total"])')
echo "host report: arena $arena bytes (portable kernels, as the firmware runs them)"
build/runtime/examples/kite_run_example "$model" 1 "$out/work/host_outputs.bin" >/dev/null
want=$(python3 -c '
import sys
h = 2166136261
for b in open(sys.argv[1], "rb").read():
    h = ((h ^ b) * 16777619) & 0xFFFFFFFF
print(f"{h:08x}")' "$out/work/host_outputs.bin")

echo "== firmware: build (arm-none-eabi-gcc, newlib, Kite's portable and reference kernels)"
mkdir -p "$out/flatbuffers-include"
ln -sfn "$(dirname "$(find /usr/include -maxdepth 2 -name flatbuffers.h -path '*flatbuffers/*' | head -1)")" \
  "$out/flatbuffers-include/flatbuffers"
cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=MinSizeRel \
  -DCMAKE_TOOLCHAIN_FILE=platforms/arm/cortex-m/toolchain.cmake -DKITE_WITH_XNNPACK=OFF -DKITE_RUNTIME_ONLY=ON \
  -DKITE_BUILD_TESTS=OFF -DKITE_BUILD_EXAMPLES=OFF -DKITE_BUILD_BENCHMARKS=OFF \
  -DKITE_FLATBUFFERS_INCLUDE="$PWD/$out/flatbuffers-include" \
  -DKITE_FIRMWARE_MODEL="$PWD/$model" -DKITE_FIRMWARE_ARENA_BYTES="$arena" >/dev/null
cmake --build "$out" -j2 --target kite_firmware
elf="$out/platforms/arm/cortex-m/kite_firmware.elf"
arm-none-eabi-size "$elf"

echo "== qemu-system-arm -M mps2-an386 (Cortex-M4F)"
start=$(date +%s)
log="$out/work/firmware.log"
timeout 1200 qemu-system-arm -M mps2-an386 -nographic -semihosting-config enable=on,target=native -monitor none \
  -kernel "$elf" | tee "$log"
echo "qemu: $(( $(date +%s) - start )) s"
got=$(sed -n 's/^outputs fnv1a \([0-9a-f]*\).*/\1/p' "$log")
if [[ "$got" != "$want" ]]; then
  echo "cortex-m: outputs differ from the host's (firmware ${got:-none}, host $want)" >&2
  exit 1
fi
echo "cortex-m: outputs identical to the host's (fnv1a $want)"
