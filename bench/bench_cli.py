#!/usr/bin/env python3
"""Side-by-side timings of the headless paths (speed goals live here, not in unit tests).

Every figure is a ratio to baselines timed in the same run on the same machine:
  `python -c "import pydantic, yaml, psutil"` for the one-shot commands, and advice/s for --batch.
Before timing, pickrt's sources are byte-compiled (`compileall`), so that a machine with
PYTHONDONTWRITEBYTECODE set measures what a user's second run costs, not the compiler.

--batch is timed on two files: distinct lines (bench/gen_batch.py: varied machines and workloads,
no two alike, the engine's real cost) and a fleet (a few machines and workloads repeated, what a
memo is for), each with the shipped catalog and with the catalog doubled.
Targets (issue 21): what-if <= 0.45x, host --json <= 1.0x, guide <= 0.7x; --batch >= 5,000
distinct advice/s on one core, linear in catalog size.
"""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_batch  # noqa: E402

PY = sys.executable
N = int(os.environ.get("BENCH_RUNS", "15"))
N_BATCH = int(os.environ.get("BENCH_BATCH_LINES", "5000"))


def timeit(argv, env=None, runs=N):
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, stdin=subprocess.DEVNULL)
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def main() -> int:
    src = Path(__file__).resolve().parent.parent / "src"
    compileall.compile_dir(str(src), quiet=1)
    env = dict(os.environ, PICKRT_NO_DOCTOR="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # warm the catalog cache once, as a user's second run would
    subprocess.run([PY, "-m", "pickrt", "--json", "--gpu", "RTX 4090"], stdout=subprocess.DEVNULL, env=env)
    base = timeit([PY, "-c", "import pydantic, yaml, psutil"])
    python = timeit([PY, "-c", "pass"])
    rows = [
        ("what-if --json", [PY, "-m", "pickrt", "--json", "--gpu", "H100 SXM", "--users", "32", "--model", "llama-3.1-8b"], env, 0.45),
        ("host --json", [PY, "-m", "pickrt", "--json", "--model", "llama-3.1-8b"], env, 1.0),
        ("guide (what-if)", [PY, "-m", "pickrt", "guide", "--gpu", "RTX 4090", "--model", "llama-3.1-8b"], env, 0.7),
        ("host --json (with doctor)", [PY, "-m", "pickrt", "--json", "--model", "llama-3.1-8b"], dict(os.environ), None),
        ("detect --json", [PY, "-m", "pickrt", "detect", "--json"], env, None),
    ]
    print(f"baseline python -c 'import pydantic, yaml, psutil': {base * 1000:.0f} ms   (python -c pass: {python * 1000:.0f} ms)")
    ok = True
    for name, argv, e, target in rows:
        t = timeit(argv, e)
        ratio = t / base
        verdict = "" if target is None else ("  OK" if ratio <= target else f"  OVER target {target}x")
        ok &= target is None or ratio <= target
        print(f"{name:<28} {t * 1000:7.0f} ms   {ratio:5.2f}x baseline{verdict}   (+{(t - python) * 1000:.0f} ms over python start-up)")
    # --batch: distinct lines and a repeating fleet, each with the catalog as shipped and doubled
    # (an overlay that copies every runtime under a new slug): linear means x2 costs about 2x.
    with tempfile.TemporaryDirectory() as d:
        distinct = Path(d) / "distinct.jsonl"
        gen_batch.write(N_BATCH, str(distinct), "mixed", 1)
        fleet = Path(d) / "fleet.jsonl"
        fleet.write_text("".join(_fleet_lines(N_BATCH)))
        doubled = _doubled(Path(d))
        for fname, f in (("distinct", distinct), ("fleet", fleet)):
            n = sum(1 for _ in f.open())
            rates = {}
            for label, extra in (("catalog x1", []), ("catalog x2", ["--knowledge", str(doubled)])):
                argv = [PY, "-m", "pickrt", "--json", "--batch", str(f), *extra]
                out = subprocess.run(argv, capture_output=True, env=env, stdin=subprocess.DEVNULL)
                got = out.stdout.count(b"\n")
                if got != n:
                    print(f"--batch {fname}, {label}: {got} of {n} lines answered (exit {out.returncode}): "
                          f"{out.stderr.decode(errors='replace').strip()[-200:]}")
                t = timeit(argv, env, runs=3)
                rates[label] = n / t
                print(f"--batch {n} {fname} lines, {label}: {rates[label]:7.0f} advice/s ({t:.2f} s incl. start-up)")
            print(f"    x2 catalog costs {rates['catalog x1'] / rates['catalog x2']:.2f}x the time (linear: ~2x)")
    return 0 if ok else 1


def _fleet_lines(n: int) -> list[str]:
    """A fleet: 5 machines x 3 workloads, repeated (60 distinct pairs at most)."""
    lines = []
    gpus = ["RTX 4090", "H100 SXM", "L40S", "MI300X", "RTX 3060"]
    for i in range(n):
        hw = {"gpu": gpus[i % len(gpus)], "gpus": 1 + i % 4} if i % 3 else {"apple": "M3 Max", "memory": 64}
        wl = {"users": [1, 4, 32][i % 3], "model": ["llama-3.1-8b", "qwen3-32b", "gpt-oss-20b"][i % 3]}
        lines.append(json.dumps({"hardware": hw, "workload": wl}) + "\n")
    return lines


def _doubled(d: Path) -> Path:
    import yaml

    from pickrt.catalog.loader import shipped_dir

    out = d / "double" / "runtimes"
    out.mkdir(parents=True)
    for p in (shipped_dir() / "runtimes").glob("*.yaml"):
        data = yaml.safe_load(p.read_text())
        data["slug"] = data["slug"] + "-copy"
        data.pop("superseded_by", None)
        data["engines"] = []
        (out / f"{data['slug']}.yaml").write_text(yaml.safe_dump(data))
    return out.parent


if __name__ == "__main__":
    raise SystemExit(main())
