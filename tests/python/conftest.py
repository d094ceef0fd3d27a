"""Fixtures of the Python module's tests: where ctest put the module, the
`kite` command line, the real models and the photographs (environment set by
tests/CMakeLists.txt)."""
import os
import pathlib
import subprocess

import numpy as np
import pytest

import kite

MODELS = pathlib.Path(os.environ.get("KITE_MODELS_DIR", ""))
PHOTOS = pathlib.Path(os.environ.get("KITE_PHOTOS_DIR", ""))
ONNX_TESTDATA = pathlib.Path(os.environ.get("KITE_ONNX_TESTDATA", ""))
CLI = os.environ.get("KITE_CLI", "kite")

# The nine real models: ONNX file under the models folder, and the input
# shapes fixed for conversion.
REAL_MODELS = {
    "blazeface_front": ("blazeface/package/ONNX/face_detection_front_128x128_barracuda.onnx", None),
    "blazeface_back": ("blazeface/package/ONNX/face_detection_back_256x256_barracuda.onnx", None),
    "mlsd_tiny_320": ("mlsd/package/ONNX/mlsd_320x320_tiny.onnx", None),
    "mlsd_large_320": ("mlsd/package/ONNX/mlsd_320x320_large.onnx", None),
    "mlsd_tiny_512": ("mlsd/package/ONNX/mlsd_512x512_tiny.onnx", None),
    "mlsd_large_512": ("mlsd/package/ONNX/mlsd_512x512_large.onnx", None),
    "ppocr_det": ("ocr/package/assets/ch_PP-OCRv4_det_infer.onnx", {"x": [1, 3, 640, 640]}),
    "ppocr_cls": ("ocr/package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx", {"x": [1, 3, 48, 192]}),
    "ppocr_rec": ("ocr/package/assets/ch_PP-OCRv4_rec_infer.onnx", {"x": [1, 3, 48, 320]}),
}


def real_model(name):
    path, shapes = REAL_MODELS[name]
    onnx = MODELS / path
    if not onnx.is_file():
        pytest.fail(f"{onnx} is missing: ctest's fetch_models fixture fetches the real models")
    return onnx, shapes


def shape_options(shapes):
    """input_shapes as `kite convert --input-shape` options."""
    options = []
    for name, dims in (shapes or {}).items():
        options += ["--input-shape", f"{name}:{','.join(map(str, dims))}"]
    return options


def cli(*args):
    """Runs the `kite` command line; fails the test with its stderr."""
    result = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"kite {' '.join(map(str, args))} failed:\n{result.stderr}")
    return result.stdout


@pytest.fixture
def rng(request):
    """A seeded generator; the seed is in the test's name and printed on failure."""
    seed = 20261207
    print(f"seed {seed}")
    return np.random.default_rng(seed)
