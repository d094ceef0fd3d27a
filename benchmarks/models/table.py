#!/usr/bin/env python3
"""Kite's latency table for the nine real models: float32 and int8, 1 and 2
threads, medians of `kite bench` runs taken in alternating rounds (every
configuration once per round), with arena bytes, the share of time outside
the kernels and, for int8 slower than float32, the op kinds that hold it back.
Called by benchmarks/models/run.sh, which builds and fetches first."""
import argparse
import collections
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

def preprocessing(name):
    """The calibration photographs and `kite convert` image flags for `name`
    (benchmarks/calibration.json)."""
    with open(os.path.join(ROOT, "benchmarks", "calibration.json")) as f:
        settings = json.load(f)
    for prefix in sorted(settings["families"], key=len, reverse=True):
        if name.startswith(prefix):
            family = settings["families"][prefix]
            return settings["photo_sets"][family["photos"]], family["flags"]
    raise SystemExit(f"table.py: no calibration settings for {name} in benchmarks/calibration.json")


def log(text):
    print(text, file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", default="build")
    ap.add_argument("--photos", required=True, help="folder with scikit-image's sample photographs")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=5, help="timed runs per kite bench call")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--models", default="", help="comma-separated subset of benchmarks/models.txt")
    args = ap.parse_args()
    build = os.path.join(ROOT, args.build)
    kite = os.path.join(build, "converter", "kite")
    out = os.path.join(build, "bench")
    os.makedirs(out, exist_ok=True)
    threads = [int(t) for t in args.threads.split(",")]
    models = []
    with open(os.path.join(ROOT, "benchmarks", "models.txt")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, rel, inp, shape = line.split()
                if not args.models or name in args.models.split(","):
                    models.append((name, rel, inp, shape))

    for name, rel, inp, shape in models:
        photos, flags = preprocessing(name)
        calibration = os.path.join(out, f"{name}.calibration")
        os.makedirs(calibration, exist_ok=True)
        for p in photos:
            link = os.path.join(calibration, p)
            if not os.path.lexists(link):
                os.symlink(os.path.join(args.photos, p), link)
        onnx = os.path.join(build, "models", rel)
        base = [kite, "convert", onnx, "--input-shape", f"{inp}:{shape}"]
        log(f"table: {name}: convert float32 and int8")
        subprocess.run(base + ["-o", os.path.join(out, f"{name}.f32.kite")], check=True, stdout=subprocess.DEVNULL)
        # --target-sqnr 0: the int8 engine alone, without the mixed-precision search's 16x8 and float ops.
        subprocess.run(base + ["-o", os.path.join(out, f"{name}.int8.kite"), "--quantize", "int8", "--target-sqnr", "0",
                               "--calibration", calibration] + flags,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    configs = [(m[0], p, t) for m in models for p in ("f32", "int8") for t in threads]
    samples = collections.defaultdict(list)
    last = {}
    for r in range(args.rounds):
        for i, (name, precision, t) in enumerate(configs):
            log(f"table: round {r + 1}/{args.rounds}, {i + 1}/{len(configs)}: {name} {precision} {t}T")
            result = subprocess.run([kite, "bench", os.path.join(out, f"{name}.{precision}.kite"), "--json", "--runs",
                                     str(args.runs), "--warmup", "1", "--threads", str(t)],
                                    check=True, capture_output=True, text=True)
            j = json.loads(result.stdout)
            samples[(name, precision, t)].extend(j["latency_ms"]["all"])
            samples[(name, precision, t, "outside")].append(j["outside_kernels_share"])
            last[(name, precision, t)] = j

    rows = []
    for name, _, _, _ in models:
        row = {"model": name}
        for t in threads:
            for precision in ("f32", "int8"):
                row[f"{precision}_{t}T_ms"] = statistics.median(samples[(name, precision, t)])
                row[f"{precision}_{t}T_outside"] = statistics.median(samples[(name, precision, t, "outside")])
                row[f"{precision}_arena"] = last[(name, precision, t)]["arena_bytes"]["total"]
        # Where int8 loses at 1 thread: op kinds, int8 ms minus float32 ms.
        by_op = {}
        for precision in ("f32", "int8"):
            totals = collections.Counter()
            for op in last[(name, precision, threads[0])]["profile"]:
                totals[op["op"]] += op["ms"]
            by_op[precision] = totals
        diffs = sorted(((by_op["int8"][k] - by_op["f32"][k], k) for k in set(by_op["int8"]) | set(by_op["f32"])),
                       reverse=True)
        row["int8_behind"] = [(k, round(d, 2)) for d, k in diffs[:3] if d > 0.05]
        rows.append(row)

    head = ["model"]
    for t in threads:
        head += [f"f32 {t}T ms", f"int8 {t}T ms", f"int8/f32 {t}T"]
    head += ["arena f32 B", "arena int8 B", "outside kernels (worst)", "int8 loses time in (1T, ms vs f32)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [row["model"]]
        for t in threads:
            f, q = row[f"f32_{t}T_ms"], row[f"int8_{t}T_ms"]
            cells += [f"{f:.2f}", f"{q:.2f}", f"{q / f:.2f}"]
        outside = max(row[k] for k in row if k.endswith("_outside"))
        behind = ", ".join(f"{k} +{d}" for k, d in row["int8_behind"]) if row[f"int8_{threads[0]}T_ms"] > row[f"f32_{threads[0]}T_ms"] else ""
        cells += [str(row["f32_arena"]), str(row["int8_arena"]), f"{100 * outside:.1f}%", behind]
        lines.append("| " + " | ".join(cells) + " |")
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    note = (f"Medians of {args.rounds} rounds x {args.runs} runs (`kite bench --threads T`), configurations alternating "
            f"within each round; inputs seeded uniform [-1, 1]. Outside kernels: the median run minus the median of the "
            f"operators' summed times (per profile run), the worst of the four configurations (noise can make it negative). Machine: {cpu}, "
            f"{os.cpu_count()} cores.")
    table = "\n".join(lines)
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(table + "\n\n" + note + "\n")
    with open(os.path.join(out, "table.json"), "w") as f:
        json.dump({"machine": cpu, "args": vars(args), "rows": rows}, f, indent=2)
    print(table + "\n\n" + note)
    print(f"\nwrote {os.path.join(out, 'table.md')} and table.json")


if __name__ == "__main__":
    main()
