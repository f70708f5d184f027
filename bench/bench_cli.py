#!/usr/bin/env python3
"""Side-by-side timings of the headless paths (issue: speed goals live here, not in unit tests).

Prints, for each command, the median wall time over N runs next to the baseline
`python -c "import pydantic, yaml, psutil"`, and the ratio. Targets: what-if --json <= 1.5x,
host --json <= 1.6x; detect --json a small fraction of a second over Python's start-up;
--batch thousands of advice per second, and how that scales when the catalog doubles.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable
N = int(os.environ.get("BENCH_RUNS", "15"))


def timeit(argv, env=None, runs=N):
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, stdin=subprocess.DEVNULL)
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def main() -> int:
    env = dict(os.environ, PICKRT_NO_DOCTOR="1")
    # warm the catalog cache once, as a user's second run would
    subprocess.run([PY, "-m", "pickrt", "--json", "--gpu", "RTX 4090"], stdout=subprocess.DEVNULL, env=env)
    base = timeit([PY, "-c", "import pydantic, yaml, psutil"])
    python = timeit([PY, "-c", "pass"])
    rows = [
        ("what-if --json", [PY, "-m", "pickrt", "--json", "--gpu", "H100 SXM", "--users", "32", "--model", "llama-3.1-8b"], env, 1.5),
        ("host --json", [PY, "-m", "pickrt", "--json", "--model", "llama-3.1-8b"], env, 1.6),
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
    # batch throughput, and with the catalog doubled (an overlay that copies every runtime under a new slug)
    lines = []
    gpus = ["RTX 4090", "H100 SXM", "L40S", "MI300X", "RTX 3060"]
    for i in range(2000):
        hw = {"gpu": gpus[i % len(gpus)], "gpus": 1 + i % 4} if i % 3 else {"apple": "M3 Max", "memory": 64}
        wl = {"users": [1, 4, 32][i % 3], "model": ["llama-3.1-8b", "qwen3-32b", "gpt-oss-20b"][i % 3]}
        lines.append(json.dumps({"hardware": hw, "workload": wl}))
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "batch.jsonl"
        f.write_text("\n".join(lines) + "\n")
        for label, extra in (("catalog x1", []), ("catalog x2", ["--knowledge", str(_doubled(Path(d)))])):
            t = time.perf_counter()
            subprocess.run([PY, "-m", "pickrt", "--json", "--batch", str(f), *extra], stdout=subprocess.DEVNULL, env=env, check=True)
            t = time.perf_counter() - t
            print(f"--batch {len(lines)} advice, {label}: {len(lines) / t:7.0f} advice/s ({t:.2f} s incl. start-up)")
    return 0 if ok else 1


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
