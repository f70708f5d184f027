#!/usr/bin/env python3
"""Decode-speed estimates vs published llama.cpp measurements (single stream, tg128).

Sources:
- Apple Silicon: llama.cpp discussion #4167 ("Performance of llama.cpp on Apple Silicon M-series"),
  LLaMA 7B Q4_0 (3.56 GiB), tg128, Metal; values as published there.
- CUDA: llama-bench tables in llama.cpp PRs: #4766 (Tesla P40, LLaMA 7B Q4_0 tg128 = 56.8),
  #15802 (RTX 3090, llama 8B Q4_0 at batch 1 = 155).
- normiebench issue #3: Mac mini M4, Llama 3.1 8B Q4_K_M, llama.cpp/Metal, tg128 = 20.9.
Prints estimate (midpoint of the range pickrt reports) / measured, and the spread.
"""

from __future__ import annotations

import statistics

from pickrt.catalog import load_catalog
from pickrt.catalog.models import ModelSpec
from pickrt.engine.fit import compute_fit
from pickrt.engine.hardware import view, whatif_profile
from pickrt.engine.speed import estimate
from pickrt.engine.workload import ModelRef, build_workload

LLAMA7B = ModelSpec(id="llama-7b", params_b=6.74, layers=32, kv_heads=32, head_dim=128, hidden_size=4096)

# (hardware what-if kwargs, model, quant, measured tokens/s, source)
POINTS = [
    ({"apple": "M1 8-core"}, LLAMA7B, "q4_0", 14.2, "#4167"),
    ({"apple": "M1 Pro 16-core"}, LLAMA7B, "q4_0", 36.4, "#4167"),
    ({"apple": "M1 Max 32-core"}, LLAMA7B, "q4_0", 61.2, "#4167"),
    ({"apple": "M1 Ultra 64-core"}, LLAMA7B, "q4_0", 84.0, "#4167"),
    ({"apple": "M2 10-core"}, LLAMA7B, "q4_0", 21.9, "#4167"),
    ({"apple": "M2 Pro 19-core"}, LLAMA7B, "q4_0", 38.9, "#4167"),
    ({"apple": "M2 Max 38-core"}, LLAMA7B, "q4_0", 66.0, "#4167"),
    ({"apple": "M2 Ultra 76-core"}, LLAMA7B, "q4_0", 94.3, "#4167"),
    ({"apple": "M3 10-core"}, LLAMA7B, "q4_0", 21.3, "#4167"),
    ({"apple": "M3 Pro 18-core"}, LLAMA7B, "q4_0", 30.7, "#4167"),
    ({"apple": "M3 Max 40-core"}, LLAMA7B, "q4_0", 66.3, "#4167"),
    ({"apple": "M4 Max 40-core"}, LLAMA7B, "q4_0", 83.1, "#4167"),
    ({"apple": "M3 Ultra 80-core"}, LLAMA7B, "q4_0", 92.1, "#4167"),
    ({"apple": "M4 10-core", "memory": 16}, "llama-3.1-8b", "q4_k_m", 20.9, "normiebench #3"),
    ({"gpu": "Tesla P40"}, LLAMA7B, "q4_0", 56.8, "llama.cpp PR #4766"),
    ({"gpu": "RTX 3090"}, "llama-3.1-8b", "q4_0", 155.0, "llama.cpp PR #15802"),
]


def main() -> int:
    cat = load_catalog()
    rt = cat.runtimes["llama-cpp"]
    ratios = []
    for hwargs, model, quant, measured, src in POINTS:
        prof = whatif_profile(cat, os="macos" if "apple" in hwargs else "linux", **hwargs)
        hw = view(prof, cat)
        wl = build_workload(cat, quant=quant, context=512)
        if isinstance(model, str):
            wl = build_workload(cat, quant=quant, context=512, model=model)
        else:
            wl.model = ModelRef(spec=model, label=model.id)
        backend = "metal" if hw.accel == "apple" else "cuda"
        f = compute_fit(cat, rt, hw, wl, backend, wl.quant_spec)
        est = estimate(rt, hw, wl, backend, f)
        if est is None or est.decode_tps is None:
            print(f"{hw.label:<28} no estimate ({est.basis if est else 'no fit'})")
            continue
        lo, hi = est.decode_tps
        mid = (lo + hi) / 2
        ratios.append(mid / measured)
        print(f"{hw.label:<28} {quant:<7} estimate {lo:6.1f}-{hi:6.1f} (mid {mid:6.1f})  measured {measured:6.1f}  "
              f"ratio {mid / measured:4.2f}  in range: {'yes' if lo <= measured <= hi else 'no '}  [{src}]")
    within = sum(1 for r in ratios if 0.65 <= r <= 1.35)
    print(f"\n{within}/{len(ratios)} midpoints within +-35% of the measurement; "
          f"median ratio {statistics.median(ratios):.2f}, min {min(ratios):.2f}, max {max(ratios):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
