"""The module gives the command line's results byte for byte: the same .kite
files from kite.convert as from `kite convert`, and the same outputs from
Interpreter.run as from `kite run`, on the real models in float32 and int8."""
import re

import numpy as np
import pytest

import kite
from conftest import REAL_MODELS, cli, real_model, shape_options

INT8_MODELS = sorted(REAL_MODELS)


def safe_file_name(name):
    """The file name `kite run` gives an output (data/npy.h SafeFileName)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def random_inputs(model, rng):
    return {t.name: rng.uniform(-1, 1, t.shape).astype(t.dtype) for t in model.inputs}


def assert_runs_match_cli(path, tmp_path, rng, kernels="optimized"):
    model = kite.Model(path)
    inputs = random_inputs(model, rng)
    options = []
    for name, array in inputs.items():
        npy = tmp_path / f"in_{safe_file_name(name)}.npy"
        np.save(npy, array)
        options += ["--input", f"{name}={npy}"]
    cli("run", path, *options, "--output-dir", tmp_path / "out", "--kernels", kernels)
    outputs = kite.Interpreter(model, kernels=kernels).run(inputs)
    assert list(outputs) == [t.name for t in model.outputs]
    for name, array in outputs.items():
        expected = np.load(tmp_path / "out" / f"{safe_file_name(name)}.npy")
        assert array.dtype == expected.dtype and array.shape == expected.shape, name
        assert array.tobytes() == expected.tobytes(), f"output {name} differs from kite run's"


@pytest.mark.parametrize("name", sorted(REAL_MODELS))
def test_float_model_matches_cli(name, tmp_path, rng):
    onnx, shapes = real_model(name)
    cli_kite = tmp_path / "cli.kite"
    cli("convert", onnx, "-o", cli_kite, *shape_options(shapes))
    report = kite.convert(onnx, tmp_path / "py.kite", input_shapes=shapes)
    assert (tmp_path / "py.kite").read_bytes() == cli_kite.read_bytes()
    assert report["file_bytes"] == cli_kite.stat().st_size
    assert report["kite_ops"] == len(report["ops"]) > 0
    assert_runs_match_cli(cli_kite, tmp_path, rng)


@pytest.mark.parametrize("name", INT8_MODELS)
def test_int8_model_matches_cli(name, tmp_path, rng):
    onnx, shapes = real_model(name)
    cli("convert", onnx, "-o", tmp_path / "float.kite", *shape_options(shapes))
    float_model = kite.Model(tmp_path / "float.kite")
    (x,) = float_model.inputs
    samples = rng.uniform(-1, 1, (4 * x.shape[0], *x.shape[1:])).astype(np.float32)
    np.save(tmp_path / "calibration.npy", samples)
    int8 = tmp_path / "int8.kite"
    # --target-sqnr 0: plain int8, without the mixed-precision search (minutes
    # over nine models); the runs are what is compared.
    cli("convert", onnx, "-o", int8, *shape_options(shapes), "--quantize", "int8", "--calibration",
        tmp_path / "calibration.npy", "--target-sqnr", "0")
    assert kite.Model(int8).inspect()["precision"]["int8_ops"] > 0
    assert_runs_match_cli(int8, tmp_path, rng)


def test_reference_kernels_match_cli(tmp_path, rng):
    onnx, shapes = real_model("blazeface_front")
    cli("convert", onnx, "-o", tmp_path / "m.kite")
    assert_runs_match_cli(tmp_path / "m.kite", tmp_path, rng, kernels="reference")
