"""The face detector example (converter/python/examples/detect_faces.py) finds
the astronaut's face, in float32 and in int8."""
import os
import pathlib
import re
import subprocess
import sys

import kite
from conftest import PHOTOS, real_model
from test_calibration import photographs

EXAMPLE = pathlib.Path(os.environ.get("KITE_SOURCE_DIR", pathlib.Path(__file__).parents[2])) / \
    "converter/python/examples/detect_faces.py"


def detect(model):
    result = subprocess.run([sys.executable, EXAMPLE, model, PHOTOS / "astronaut.png"], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": os.path.dirname(kite.__file__)})
    assert result.returncode == 0, result.stderr
    return [tuple(map(float, m)) for m in re.findall(r"face ([\d.]+): x (\d+)-(\d+), y (\d+)-(\d+)", result.stdout)]


def test_example_finds_the_astronauts_face(tmp_path):
    onnx, _ = real_model("blazeface_front")
    kite.convert(onnx, tmp_path / "float.kite")
    kite.convert(onnx, tmp_path / "int8.kite", quantize="int8", calibration=photographs(128)[:3])
    for model in ["float.kite", "int8.kite"]:
        faces = detect(tmp_path / model)
        assert len(faces) == 1, (model, faces)
        score, x0, x1, y0, y1 = faces[0]
        # Eileen Collins' face in the 512x512 photograph: about x 180-275, y 80-180.
        assert score > 0.5 and 200 < (x0 + x1) / 2 < 250 and 105 < (y0 + y1) / 2 < 155, (model, faces)
        assert 70 < x1 - x0 < 130 and 70 < y1 - y0 < 130, (model, faces)
