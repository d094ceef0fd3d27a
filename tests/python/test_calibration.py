"""Calibration from arrays in memory gives the same .kite bytes as
`kite convert --calibration` given the same samples as a .npy file; the
quantize modes' defaults are the command line's."""
import numpy as np
import pytest

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


def test_int8_searches_by_default_and_16x8_is_every_op(tmp_path):
    """quantize="int8" runs the mixed-precision search (target 30 dB) unless
    target_sqnr=0; quantize="16x8" puts every op with a 16x8 kernel in 16x8
    and searches only for convs to keep in float for their weights; each
    gives the command line's bytes."""
    onnx, _ = real_model("blazeface_front")
    samples = photographs(128)
    np.save(tmp_path / "samples.npy", samples)
    searched = kite.convert(onnx, tmp_path / "searched.kite", quantize="int8", calibration=samples)
    assert searched["int8"]["int8_ops"] > 0
    mixed = searched["mixed_precision"]
    assert mixed["model_macs"] > 0 and mixed["estimated_slowdown"] <= 0.15 + 1e-9
    assert mixed["float_macs"] <= 0.1 * mixed["model_macs"]
    assert mixed["cost_model"] in ("int8-dot", "avx2")  # priced for this machine
    # Priced for AVX2, where 16x8 keeps pace with int8, the search starts
    # from the whole 16x8 model.
    avx2 = kite.convert(onnx, tmp_path / "avx2.kite", quantize="int8", calibration=samples, cost_model="avx2")
    assert avx2["mixed_precision"]["cost_model"] == "avx2"
    assert avx2["mixed_precision"]["started_from_16x8"]
    assert avx2["int8"]["int16_ops"] > searched["int8"]["int16_ops"] or mixed["cost_model"] == "avx2"
    # quantize="16x16": int16 weights in every conv, no search.
    wide = kite.convert(onnx, tmp_path / "16x16.kite", quantize="16x16", calibration=samples)
    assert wide["int8"]["int16_weight_ops"] > 0 and "mixed_precision" not in wide
    with pytest.raises(kite.Error, match="--cost-model"):
        kite.convert(onnx, tmp_path / "bad.kite", quantize="int8", calibration=samples, cost_model="avx512")

    plain = kite.convert(onnx, tmp_path / "plain.kite", quantize="int8", calibration=samples, target_sqnr=0)
    assert "mixed_precision" not in plain
    assert plain["int8"]["int16_ops"] == 0
    cli("convert", onnx, "-o", tmp_path / "plain_cli.kite", "--quantize", "int8", "--target-sqnr", "0",
        "--calibration", tmp_path / "samples.npy")
    assert (tmp_path / "plain.kite").read_bytes() == (tmp_path / "plain_cli.kite").read_bytes()

    all16 = kite.convert(onnx, tmp_path / "16x8.kite", quantize="16x8", calibration=samples)
    weights = all16["mixed_precision"]
    assert weights["int16_macs"] > 0.5 * weights["model_macs"]  # the rest: float heads and the chosen convs
    assert weights["float_macs"] <= 0.1 * weights["model_macs"]
    assert len(weights["float_nodes"]) >= weights["weights_kept_float"]
    assert all16["int8"]["int16_ops"] > plain["int8"]["int16_ops"]
    dtypes = {t.dtype for t in kite.Model(tmp_path / "16x8.kite").inputs}
    assert dtypes == {np.dtype(np.float32)}  # the graph's interface stays float
    cli("convert", onnx, "-o", tmp_path / "16x8_cli.kite", "--quantize", "16x8", "--calibration",
        tmp_path / "samples.npy")
    assert (tmp_path / "16x8.kite").read_bytes() == (tmp_path / "16x8_cli.kite").read_bytes()
    with pytest.raises(kite.Error, match="takes every op with a 16x8 kernel"):
        kite.convert(onnx, tmp_path / "e.kite", quantize="16x8", calibration=samples, int16=["x"])
