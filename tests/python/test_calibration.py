"""Calibration from arrays in memory gives the same .kite bytes as
`kite convert --calibration` given the same samples as a .npy file."""
import numpy as np

import kite
from conftest import PHOTOS, cli, real_model


def photographs(size):
    """Debian's scikit-image photographs as BlazeFace takes them: NHWC, [-1, 1]."""
    from PIL import Image
    samples = []
    for name in ["chelsea.png", "coffee.png", "rocket.jpg", "astronaut.png"]:
        image = Image.open(PHOTOS / name).convert("RGB").resize((size, size), Image.BILINEAR)
        samples.append(np.asarray(image, np.float32) / 127.5 - 1)
    return np.stack(samples)


def test_arrays_calibrate_as_the_npy_file_does(tmp_path):
    onnx, _ = real_model("blazeface_front")
    samples = photographs(128)
    np.save(tmp_path / "samples.npy", samples)
    cli("convert", onnx, "-o", tmp_path / "cli.kite", "--quantize", "int8", "--calibration", tmp_path / "samples.npy")
    report = kite.convert(onnx, tmp_path / "array.kite", quantize="int8", calibration=samples)
    assert (tmp_path / "array.kite").read_bytes() == (tmp_path / "cli.kite").read_bytes()
    assert report["int8"]["calibration"] == "4 samples from arrays"
    assert report["int8"]["int8_ops"] > 0
    for f in report["int8"]["float"]:
        assert f["node"] and f["op"] and f["reason"]

    # By input name, and as float64: converted to float32 as a .npy file is.
    kite.convert(onnx, tmp_path / "named.kite", quantize="int8", calibration={"input:0": samples.astype(np.float64)})
    assert (tmp_path / "named.kite").read_bytes() == (tmp_path / "cli.kite").read_bytes()


def test_a_non_contiguous_array_calibrates_as_its_copy(tmp_path):
    onnx, _ = real_model("blazeface_front")
    samples = photographs(128)
    kite.convert(onnx, tmp_path / "a.kite", quantize="int8", calibration=samples, weight_rounding="nearest")
    strided = np.asfortranarray(samples)
    assert not strided.flags.c_contiguous
    kite.convert(onnx, tmp_path / "b.kite", quantize="int8", calibration=strided, weight_rounding="nearest")
    assert (tmp_path / "a.kite").read_bytes() == (tmp_path / "b.kite").read_bytes()
