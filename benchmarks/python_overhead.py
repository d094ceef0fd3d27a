"""What kite.Interpreter.run costs over the runtime's own invoke.

usage: python3 benchmarks/python_overhead.py MODEL.kite [--rounds N] [--runs N] [--threads N]

Each round times the same model both ways in this process, one after the
other: kite.bench's median (kite_interpreter_invoke alone, as `kite bench`
reports it) and the median of Interpreter.run (argument checks, input copy,
invoke with the GIL released, output arrays, the dict). Seeded inputs in
[-1, 1]. Prints each round's medians and the median ratio over the rounds."""
import argparse
import statistics
import time

import numpy as np

import kite

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("model")
parser.add_argument("--rounds", type=int, default=7)
parser.add_argument("--runs", type=int, default=100, help="timed runs per round and way")
parser.add_argument("--threads", type=int, default=1)
args = parser.parse_args()

model = kite.Model(args.model)
interpreter = kite.Interpreter(model, threads=args.threads)
rng = np.random.default_rng(0)
inputs = {t.name: rng.uniform(-1, 1, t.shape).astype(t.dtype) for t in model.inputs}
for _ in range(10):
    interpreter.run(inputs)
ratios = []
for r in range(args.rounds):
    c_ms = kite.bench(model, runs=args.runs, warmup=3, threads=args.threads)["latency_ms"]["median"]
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        interpreter.run(inputs)
        times.append((time.perf_counter() - start) * 1e3)
    py_ms = statistics.median(times)
    ratios.append(py_ms / c_ms)
    print(f"round {r + 1}/{args.rounds}: invoke {c_ms:.3f} ms, Interpreter.run {py_ms:.3f} ms, ratio {ratios[-1]:.3f}",
          flush=True)
print(f"{args.model}: Interpreter.run / invoke, median over {args.rounds} rounds: {statistics.median(ratios):.3f} "
      f"({(statistics.median(ratios) - 1) * 100:+.1f}%)")
