#!/usr/bin/env bash
# Cross build for ARM Linux and its tests under qemu (scripts/test.sh --target):
#   platforms/arm/test_target.sh aarch64|armv7
# 1. the host build (the converter makes the models the ARM build runs),
# 2. the target's libraries unpacked into build-TARGET/sysroot,
# 3. the runtime, its tests and benchmarks cross-built in build-TARGET and the
#    tests run by ctest under qemu (aarch64: -cpu max, then -cpu cortex-a53),
# 4. real models converted on the host, run on x86 and under qemu on the same
#    inputs: int8 outputs identical, float32 within tolerance (bitexact.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:-}
case "$target" in
  aarch64) arch=arm64 toolchain=aarch64-linux-gnu cpus=(max cortex-a53) ;;
  armv7) arch=armhf toolchain=arm-linux-gnueabihf cpus=(max) ;;
  *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
scripts/setup-deps.sh
scripts/setup-deps.sh --target="$target"

echo "== host build (converter, examples)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target kite kite_run_example
scripts/fetch-models.sh build/models

build=build-$target
echo "== $target: sysroot, build"
platforms/arm/sysroot.sh "$arch" "$build/sysroot"
for cpu in "${cpus[@]}"; do
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_TOOLCHAIN_FILE="platforms/arm/$toolchain.cmake" \
    -DKITE_ARM_SYSROOT="$build/sysroot/root" -DKITE_QEMU_CPU="$cpu" >/dev/null
  cmake --build "$build" -j2
  echo "== $target: ctest under qemu -cpu $cpu"
  start=$(date +%s)
  ctest --test-dir "$build" --output-on-failure -j2
  echo "ctest under qemu -cpu $cpu: $(( $(date +%s) - start )) s"
done

echo "== $target: real models, x86 against qemu"
photos=$(dirname "$(dpkg -L python3-skimage | grep '/skimage/data/astronaut.png$')")
cpu_list=$(IFS=,; echo "${cpus[*]}")
python3 platforms/arm/bitexact.py --cross-build "$build" --cpus "$cpu_list" --photos "$photos"
