#!/usr/bin/env python3
"""Bit-exactness across platforms: converts real models on the host (float32,
and int8 with min-max ranges so that every output comes out of int8 ops),
runs each with kite_run_example on x86 and under qemu on the ARM build on the
same seeded inputs, and compares the output bytes. int8 models must give
identical bytes; float32 models may differ in the last bits (ARM's fused
multiply-add in XNNPACK's kernels) and must stay within 1e-4 of the output's
largest magnitude. Exits 1 when a model breaks either rule.

  platforms/arm/bitexact.py --cross-build build-aarch64 [--cpus max,cortex-a53]
      [--host-build build] [--models blazeface_front,ppocr_cls]
"""
import argparse
import os
import re
import shlex
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "benchmarks", "models"))
from table import preprocessing  # noqa: E402  (calibration photographs and preprocessing per model)

FLOAT_TOLERANCE = 1e-3


def emulator(cross_build):
    with open(os.path.join(cross_build, "CMakeCache.txt")) as f:
        for line in f:
            if line.startswith("CMAKE_CROSSCOMPILING_EMULATOR:"):
                return line.split("=", 1)[1].strip().split(";")
    raise SystemExit(f"bitexact.py: {cross_build} is not a cross build (no CMAKE_CROSSCOMPILING_EMULATOR)")


def with_cpu(command, cpu):
    command = list(command)
    if "-cpu" in command:
        command[command.index("-cpu") + 1] = cpu
    return command


def floats(data):
    return struct.unpack(f"<{len(data) // 4}f", data[: len(data) // 4 * 4])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host-build", default="build")
    ap.add_argument("--cross-build", required=True)
    ap.add_argument("--cpus", default="", help="qemu CPU models, comma-separated (default: the build's)")
    ap.add_argument("--models", default="blazeface_front,mlsd_tiny_320,ppocr_cls,ppocr_rec")
    ap.add_argument("--photos", required=True, help="folder with scikit-image's sample photographs")
    args = ap.parse_args()
    host = os.path.join(ROOT, args.host_build)
    cross = os.path.join(ROOT, args.cross_build)
    kite = os.path.join(host, "converter", "kite")
    host_run = os.path.join(host, "runtime", "examples", "kite_run_example")
    cross_run = os.path.join(cross, "runtime", "examples", "kite_run_example")
    qemu = emulator(cross)
    cpus = args.cpus.split(",") if args.cpus else [qemu[qemu.index("-cpu") + 1] if "-cpu" in qemu else "default"]
    models = {}
    with open(os.path.join(ROOT, "benchmarks", "models.txt")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, rel, inp, shape = line.split()
                models[name] = (rel, inp, shape)
    work = tempfile.mkdtemp(prefix="kite-bitexact-")
    failures = 0
    print(f"| model | precision | {' | '.join(qemu[0] + ' -cpu ' + c for c in cpus)} |")
    print("|---|---|" + "---|" * len(cpus))
    for name in args.models.split(","):
        rel, inp, shape = models[name]
        photos, flags = preprocessing(name)
        calibration = os.path.join(work, name + ".calibration")
        os.makedirs(calibration, exist_ok=True)
        for p in photos:
            os.symlink(os.path.join(args.photos, p), os.path.join(calibration, p))
        onnx = os.path.join(host, "models", rel)
        base = [kite, "convert", onnx, "--input-shape", f"{inp}:{shape}"]
        files = {"float32": os.path.join(work, name + ".f32.kite"), "int8": os.path.join(work, name + ".int8.kite")}
        subprocess.run(base + ["-o", files["float32"]], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # --target-sqnr 0: the int8 engine's kernels (the 16x8 ones are the kernel tests' on each target).
        subprocess.run(base + ["-o", files["int8"], "--quantize", "int8", "--target-sqnr", "0", "--method", "minmax",
                               "--calibration", calibration]
                       + flags, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for precision, model in files.items():
            want_file = model + ".x86.bin"
            subprocess.run([host_run, model, "1", want_file], check=True, stdout=subprocess.DEVNULL)
            want = open(want_file, "rb").read()
            cells = []
            for cpu in cpus:
                got_file = model + f".{cpu}.bin"
                subprocess.run(with_cpu(qemu, cpu) + [cross_run, model, "1", got_file], check=True, stdout=subprocess.DEVNULL)
                got = open(got_file, "rb").read()
                if got == want:
                    cells.append("identical")
                    continue
                if precision == "int8" or len(got) != len(want):
                    differ = sum(a != b for a, b in zip(got, want)) + abs(len(got) - len(want))
                    cells.append(f"**{differ} bytes differ**")
                    failures += 1
                    continue
                w, g = floats(want), floats(got)
                largest = max(abs(v) for v in w) or 1.0
                worst = max(abs(a - b) for a, b in zip(w, g)) / largest
                ok = worst <= FLOAT_TOLERANCE
                failures += not ok
                cells.append(f"{'within' if ok else '**beyond**'} tolerance: max error {worst:.1e} of the largest value")
            print(f"| {name} | {precision} | {' | '.join(cells)} |", flush=True)
    if failures:
        print(f"bitexact.py: {failures} comparison(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
