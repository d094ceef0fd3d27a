"""Bad input raises a Python exception with a clear message and leaves the
process running: damaged files, wrong arrays, bad calibration sets,
operators Kite does not support."""
import numpy as np
import pytest

import kite
from conftest import ONNX_TESTDATA, cli, real_model


@pytest.fixture(scope="module")
def blazeface(tmp_path_factory):
    onnx, _ = real_model("blazeface_front")
    path = tmp_path_factory.mktemp("model") / "blazeface.kite"
    cli("convert", onnx, "-o", path)
    return path


def test_damaged_files_raise(blazeface, rng):
    data = blazeface.read_bytes()
    with pytest.raises(kite.Error, match="KITE_ERROR_MODEL_|model"):
        kite.Model(data[: len(data) // 2])
    with pytest.raises(kite.Error):
        kite.Model(b"")
    with pytest.raises(kite.Error):
        kite.Model(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
    flipped = bytearray(data)
    flipped[4:8] = b"XXXX"  # the file identifier
    with pytest.raises(kite.Error, match="KITE_ERROR_MODEL_IDENTIFIER|identifier"):
        kite.Interpreter(bytes(flipped))
    with pytest.raises(kite.Error, match="cannot open"):
        kite.Model(blazeface.parent / "missing.kite")
    with pytest.raises(TypeError):
        kite.Model(12)
    # Still usable afterwards.
    assert kite.Model(data).arena_size > 0


def test_wrong_arrays_raise(blazeface):
    it = kite.Interpreter(blazeface)
    (x,) = it.inputs
    good = np.zeros(x.shape, np.float32)
    with pytest.raises(ValueError, match=r"input 'input:0' is float32 \[1, 128, 128, 3\]; got float64"):
        it.run(good.astype(np.float64))
    with pytest.raises(ValueError, match=r"got float32 \[1, 3, 128, 128\]"):
        it.run(np.zeros((1, 3, 128, 128), np.float32))
    with pytest.raises(ValueError, match="got float32 \\[128, 128, 3\\]"):
        it.run(good[0])
    with pytest.raises(KeyError, match="'image' is not an input of the model"):
        it.run({"image": good})
    with pytest.raises(ValueError, match="1 input"):
        it.run(good, good)
    with pytest.raises(ValueError, match="is missing"):
        it.run({})
    with pytest.raises(TypeError):
        it.run(good, **{"input:0": good})
    with pytest.raises(ValueError):
        kite.Interpreter(blazeface, kernels="fastest")
    with pytest.raises(ValueError):
        kite.Interpreter(blazeface, threads=0)
    # The interpreter still runs.
    assert [o.shape for o in it.run(good).values()] == [t.shape for t in it.outputs]


def test_bad_calibration_raises(tmp_path):
    onnx, _ = real_model("blazeface_front")
    out = tmp_path / "m.kite"
    with pytest.raises(kite.Error, match=r"shape \(0, 128, 128, 3\), input 'input:0' expects \(1, 128, 128, 3\) or k samples"):
        kite.convert(onnx, out, quantize="int8", calibration=np.zeros((0, 128, 128, 3), np.float32))
    with pytest.raises(kite.Error, match="expects"):
        kite.convert(onnx, out, quantize="int8", calibration=np.zeros((2, 3, 128, 128), np.float32))
    with pytest.raises(kite.Error, match="names no model input"):
        kite.convert(onnx, out, quantize="int8", calibration={"image": np.zeros((1, 128, 128, 3), np.float32)})
    with pytest.raises(ValueError, match="empty"):
        kite.convert(onnx, out, quantize="int8", calibration={})
    with pytest.raises(kite.Error, match="needs --calibration"):
        kite.convert(onnx, out, quantize="int8")
    with pytest.raises(kite.Error, match="need --quantize int8"):
        kite.convert(onnx, out, calibration=np.zeros((1, 128, 128, 3), np.float32))
    with pytest.raises(kite.Error, match="does not exist"):
        kite.convert(onnx, out, quantize="int8", calibration=tmp_path / "nothing.npy")
    with pytest.raises(kite.Error, match="calibration method"):
        kite.convert(onnx, out, quantize="int8", calibration=np.zeros((1, 128, 128, 3), np.float32), method="best")
    with pytest.raises(TypeError):
        kite.convert(onnx, out, quantize="int8", calibration=np.array([object()]))
    assert not out.exists()


def test_unsupported_operator_names_the_node(tmp_path):
    with pytest.raises(kite.Error, match=r"node 'NonZero_0' \(NonZero\): operator NonZero is not supported"):
        kite.convert(ONNX_TESTDATA / "node" / "test_nonzero_example" / "model.onnx", tmp_path / "m.kite")
    with pytest.raises(ValueError, match="is not a file"):
        kite.convert(tmp_path / "missing.onnx", tmp_path / "m.kite")
    (tmp_path / "junk.onnx").write_bytes(b"\x08\x07not a model")
    with pytest.raises(kite.Error):
        kite.convert(tmp_path / "junk.onnx", tmp_path / "m.kite")
    assert not (tmp_path / "m.kite").exists()
