"""kite.Model, kite.compare and kite.bench report what `kite inspect`,
`kite compare` and `kite bench` report; one interpreter serves two threads."""
import json
import sys
import threading
import time

import numpy as np
import pytest

import kite
from conftest import cli, real_model


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """BlazeFace front in float32 and int8 (calibrated on seeded noise)."""
    onnx, _ = real_model("blazeface_front")
    folder = tmp_path_factory.mktemp("models")
    cli("convert", onnx, "-o", folder / "float.kite")
    samples = np.random.default_rng(7).uniform(-1, 1, (3, 128, 128, 3)).astype(np.float32)
    np.save(folder / "calibration.npy", samples)
    # Priced for int8 dot products on every machine: mostly int8 (avx2's
    # prices start from the whole 16x8 model).
    cli("convert", onnx, "-o", folder / "int8.kite", "--quantize", "int8", "--calibration", folder / "calibration.npy",
        "--cost-model", "int8-dot")
    return onnx, folder


def test_model_describes_what_inspect_shows(models):
    _, folder = models
    path = folder / "int8.kite"
    inspect = json.loads(cli("inspect", path, "--json"))
    model = kite.Model(path)
    assert model.arena_size == inspect["arena"]["total_bytes"]
    assert model.ops == inspect["operators"]
    assert {op["dtype"] for op in model.ops} >= {"INT8"}
    assert all(op["kernel"] for op in model.ops)
    for infos, entries in [(model.inputs, inspect["inputs"]), (model.outputs, inspect["outputs"])]:
        assert [t.name for t in infos] == [e["name"] for e in entries]
        assert ["[" + ",".join(map(str, t.shape)) + "]" for t in infos] == [e["shape"] for e in entries]
        assert [str(t.dtype) for t in infos] == [e["dtype"].lower() for e in entries]
    assert model.inspect("reference")["operators"][0]["kernel"].startswith("reference")
    # The same model from bytes.
    assert kite.Model(path.read_bytes()).ops == model.ops


def test_quantized_io_has_scale_and_zero_point(tmp_path):
    onnx, _ = real_model("blazeface_front")
    samples = np.random.default_rng(3).uniform(-1, 1, (2, 128, 128, 3)).astype(np.float32)
    kite.convert(onnx, tmp_path / "m.kite", quantize="int8", calibration=samples, emit_qdq=tmp_path / "m.qdq.onnx")
    assert (tmp_path / "m.qdq.onnx").stat().st_size > 0
    for t in kite.Model(tmp_path / "m.kite").inputs + kite.Model(tmp_path / "m.kite").outputs:
        assert (t.scale is None) == (t.dtype != np.int8 and t.dtype != np.int16)


def test_compare_returns_what_the_command_prints(models, tmp_path):
    onnx, folder = models
    inputs = np.random.default_rng(11).uniform(-1, 1, (2, 128, 128, 3)).astype(np.float32)
    np.save(tmp_path / "inputs.npy", inputs)
    expected = json.loads(cli("compare", folder / "float.kite", folder / "int8.kite", "--input", tmp_path / "inputs.npy",
                              "--json"))
    got = kite.compare(str(folder / "float.kite"), str(folder / "int8.kite"), inputs)
    assert got == expected
    assert got["samples"] == 2 and got["layers"]
    # Models as objects, inputs by name: the same rows.
    by_name = kite.compare(kite.Model(folder / "float.kite"), kite.Model(folder / "int8.kite"), {"input:0": inputs})
    assert by_name["layers"] == expected["layers"]
    # The ONNX model as the reference: converted to float32 first.
    assert kite.compare(onnx, folder / "int8.kite", inputs)["layers"]


def test_bench_returns_what_the_command_prints(models):
    _, folder = models
    expected = json.loads(cli("bench", folder / "int8.kite", "--json", "--runs", "3", "--warmup", "1"))
    got = kite.bench(kite.Model(folder / "int8.kite"), runs=3, warmup=1)
    assert set(got) == set(expected)
    assert got["runs"] == 3 and len(got["latency_ms"]["all"]) == 3
    assert [op["index"] for op in sorted(got["profile"], key=lambda o: o["index"])] == list(range(len(got["profile"])))
    assert got["macs"] == expected["macs"] and got["arena_bytes"] == expected["arena_bytes"]
    with pytest.raises(kite.Error, match="int8-variant"):
        kite.bench(folder / "int8.kite", runs=1, int8_variant="avx1024")


def test_one_interpreter_serves_two_threads(models):
    _, folder = models
    it = kite.Interpreter(folder / "int8.kite")
    rng = np.random.default_rng(5)
    inputs = [rng.uniform(-1, 1, (1, 128, 128, 3)).astype(np.float32) for _ in range(2)]
    expected = [it.run(x) for x in inputs]
    failures = []

    def worker(k):
        for _ in range(20):
            out = it.run(inputs[k])
            if any(not np.array_equal(out[n], expected[k][n]) for n in out):
                failures.append(k)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_run_releases_the_gil(models):
    """While one thread runs the model, another runs Python: its longest pause
    is far shorter than the run (holding the GIL would make it the whole run)."""
    _, folder = models
    it = kite.Interpreter(folder / "float.kite", kernels="reference")  # ~0.1 s a run
    x = np.zeros((1, 128, 128, 3), np.float32)
    start = time.perf_counter()
    it.run(x)
    alone = time.perf_counter() - start
    done = threading.Event()
    worker = threading.Thread(target=lambda: (it.run(x), done.set()))
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.001)
    try:
        longest, last = 0.0, time.perf_counter()
        worker.start()
        while not done.is_set():
            now = time.perf_counter()
            longest, last = max(longest, now - last), now
        worker.join()
    finally:
        sys.setswitchinterval(interval)
    assert longest < alone / 2, f"the other thread paused {longest * 1e3:.1f} ms of a {alone * 1e3:.1f} ms run"
