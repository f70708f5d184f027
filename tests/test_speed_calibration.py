"""The published measurements in bench/speed_calibration.py stay within reach of the estimates: a
change to a speed constant that breaks the calibration fails here, not in a user's plan."""

import importlib.util
import statistics
import sys
from pathlib import Path


def _bench():
    path = Path(__file__).resolve().parent.parent / "bench" / "speed_calibration.py"
    spec = importlib.util.spec_from_file_location("speed_calibration", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def test_estimates_track_published_measurements(catalog):
    bench = _bench()
    ratios, groups = [], set()
    for row in bench.ROWS:
        r, _, basis = bench.run(row, catalog)
        assert r is not None, (row.source, basis)
        ratios.append(((r[0] + r[1]) / 2) / row.measured)
        groups.add(row.group)
    within = sum(1 for x in ratios if 0.65 <= x <= 1.35) / len(ratios)
    assert within >= 0.9, sorted(ratios)
    assert 0.8 <= statistics.median(ratios) <= 1.25
    assert {"llama.cpp single GPU", "MLX", "tensor parallel", "MoE batch 1", "offload", "CPU only"} <= groups
