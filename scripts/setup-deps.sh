#!/usr/bin/env bash
# Installs the Debian 12 packages Kite's build and tests need. Idempotent and
# quick when everything is present; otherwise needs root (apt-get).
#   scripts/setup-deps.sh [--sanitize | --target=aarch64|armv7|cortex-m]
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  flatbuffers-compiler libflatbuffers-dev   # the .kite format
  libxnnpack-dev libpthreadpool-dev         # SIMD kernels (KITE_WITH_XNNPACK)
  libgtest-dev libbenchmark-dev             # tests, benchmarks
  libonnx-dev libprotobuf-dev protobuf-compiler libssl-dev   # ONNX import (converter)
  libcli11-dev nlohmann-json3-dev libstb-dev                 # the kite command line
  libonnx-testdata python3-skimage                           # ONNX conformance data; photographs
  pybind11-dev python3-dev python3-numpy python3-pytest python3-pil  # the Python module, its tests and example
)
# Models and ONNX Runtime come from npm: use the machine's node/npm when present.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi
case "${1:-}" in
  --sanitize) packages+=(clang-14 libclang-rt-14-dev) ;;   # also libFuzzer (scripts/fuzz.sh)
  # Cross builds: the compiler and qemu (the target's libraries come from
  # platforms/arm/sysroot.sh, which needs only apt and dpkg).
  --target=aarch64) packages+=(g++-aarch64-linux-gnu qemu-user) ;;
  --target=armv7) packages+=(g++-arm-linux-gnueabihf qemu-user) ;;
  --target=cortex-m) packages+=(gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm) ;;
  "") ;;
  *) echo "setup-deps: unknown option '$1'" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
echo "setup-deps: installing ${missing[*]}"
sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
