"""Speed estimates: single-stream decode and prefill tokens/s, and concurrency for many users.

Decode is memory-bound: every new token reads the active weights once plus the KV cache so far.
    t_token = bytes_per_token / (bandwidth x efficiency) + per-token overhead
Efficiency (achieved share of peak bandwidth) is per runtime and backend, in the catalog
(``efficiency``); the per-token overhead (kernel launches, synchronisation) is per backend here.
Both were calibrated against llama.cpp's published measurements (bench/speed_calibration.py
prints the comparison). Prefill is compute-bound: 2 x active params FLOPs per token against the
GPU's FP16 tensor throughput, where the catalog knows it.
"""

from __future__ import annotations


from dataclasses import dataclass
from typing import Optional

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pickrt.catalog.models import Runtime
from pickrt.engine.fit import Fit, kv_bytes_per_sequence
from pickrt.engine.hardware import HwView
from pickrt.engine.workload import Workload

GB = 1e9
# Per-token fixed cost at 32 layers, seconds (scaled by layers/32). Calibrated: llama.cpp CUDA
# ~1.2 ms, Metal ~3.5 ms (Apple Silicon scoreboard, discussion #4167); CUDA-graph servers lower.
TOKEN_OVERHEAD_S = {"cuda": 1.2e-3, "rocm": 2.0e-3, "vulkan": 2.0e-3, "intel": 3.0e-3, "metal": 3.5e-3, "cpu": 0.5e-3}
GRAPH_RUNTIMES = {"vllm", "sglang", "tensorrt-llm", "lmdeploy", "exllamav2", "exllamav3", "tabbyapi",
                  "ray-serve", "llm-d", "nvidia-dynamo"}
DEFAULT_EFFICIENCY = 0.7
TP_EFFICIENCY = 0.8  # tensor parallel: per-GPU bandwidth share achieved across N GPUs
PREFILL_MFU = 0.35   # achieved share of FP16 tensor peak in prefill
# Mixture-of-experts decode reads only the active experts, but routing and many small expert
# matmuls cost extra: lower efficiency, twice the per-layer overhead (Qwen3-30B-A3B on an RTX 3090
# decodes at roughly 110-130 tokens/s in llama.cpp, not the ~220 the active bytes alone suggest).
MOE_EFFICIENCY = 0.6
MOE_OVERHEAD = 2.0


@dataclass
class SpeedEstimate:
    decode_tps: Optional[tuple[float, float]]
    prefill_tps: Optional[tuple[float, float]]
    concurrent_sequences: Optional[int]
    aggregate_tps: Optional[float]
    basis: str


def _bandwidth(rt: Runtime, hw: HwView, backend: str, fit: Fit) -> tuple[Optional[float], str]:
    """Effective peak bandwidth (bytes/s) the runtime streams weights at, and how it was found."""
    if backend == "metal":
        bw = hw.apple_bandwidth
        return (bw * GB if bw else None), (f"{bw:g} GB/s unified memory" if bw else "unknown Apple bandwidth")
    if backend == "cpu":
        return None, "system RAM bandwidth is not known to pickrt"
    bws = [g.bandwidth for g in hw.gpus]
    if not bws or any(b is None for b in bws):
        return None, "GPU memory bandwidth unknown (not in the catalog)"
    used = max(1, min(fit.pool.gpus_used, len(bws))) if fit.pool.kind == "vram" else 1
    bw = min(bws)
    if used > 1 and rt.multi_gpu.tensor_parallel and rt.slug in GRAPH_RUNTIMES:
        return bw * used * TP_EFFICIENCY * GB, f"{used} x {bw:g} GB/s with tensor parallelism"
    return bw * GB, f"{bw:g} GB/s" + (" (layers split across GPUs run one after another)" if used > 1 else "")


def estimate(rt: Runtime, hw: HwView, wl: Workload, backend: str, fit: Optional[Fit]) -> Optional[SpeedEstimate]:
    if fit is None or wl.model is None:
        return None
    m = wl.model.spec
    bw, bw_what = _bandwidth(rt, hw, backend, fit)
    eff = getattr(rt.efficiency, backend if backend != "vulkan" else "cuda", None) or DEFAULT_EFFICIENCY
    if backend == "vulkan":
        eff *= 0.85
    active = (m.active_params_b or m.params_b) / m.params_b if m.params_b else 1.0
    moe = active < 0.9
    weights_read = fit.weights_gb * 1024**3 * active
    kv_full = kv_bytes_per_sequence(m, wl.context)
    t0 = TOKEN_OVERHEAD_S.get(backend, 2e-3) * (m.layers / 32)
    if rt.slug in GRAPH_RUNTIMES:
        t0 *= 0.4
    if moe:
        eff *= MOE_EFFICIENCY
        t0 *= MOE_OVERHEAD
    concurrent = None
    if fit.pool.gb:
        room = fit.pool.gb - fit.weights_gb - fit.overhead_gb
        per = kv_full / 1024**3
        concurrent = max(0, int(room / per)) if per > 0 else None
    if bw is None or fit.offload:
        why = "layers offloaded to system RAM, whose bandwidth pickrt does not know" if fit.offload else bw_what
        return SpeedEstimate(None, None, concurrent, None, f"no estimate: {why}")
    rate = bw * eff
    fast = 1.0 / (weights_read / rate + t0)                      # short context
    slow = 1.0 / ((weights_read + kv_full) / rate + t0)          # at the full context
    lo, hi = round(slow * 0.85, 1), round(fast * 1.15, 1)
    prefill = None
    tf = [g.spec.fp16_tflops for g in hw.gpus if g.spec and g.spec.fp16_tflops] if backend not in ("metal", "cpu") else []
    if tf and len(tf) == len(hw.gpus):
        n = max(1, fit.pool.gpus_used) if rt.multi_gpu.tensor_parallel else 1
        flops = min(tf) * 1e12 * n * PREFILL_MFU
        p = flops / (2 * (m.active_params_b or m.params_b) * 1e9)
        prefill = (round(p * 0.6), round(p * 1.3))
    basis = (f"{(m.active_params_b or m.params_b):g}B {'active ' if active < 1 else ''}params x {fit.quant.bpw:g} bits "
             f"= {weights_read / GB:.1f} GB read per token (+ up to {kv_full / GB:.2f} GB of KV cache at {wl.context} tokens), "
             f"{bw_what} x {eff:.0%} {rt.name} efficiency on {backend}, + {t0 * 1000:.1f} ms per token")
    aggregate = None
    if concurrent and wl.users > 1 and rt.features.continuous_batching:
        b = max(1, min(wl.users, concurrent))
        step = (weights_read + b * kv_full / 2) / rate + t0
        aggregate = round(b / step, 0)
        basis += f"; {b} sequences batched: about {aggregate:.0f} tokens/s in total (memory-bound; compute may cap it lower)"
    return SpeedEstimate((lo, hi), prefill, concurrent, aggregate, basis)


__all__ = ["SpeedEstimate", "estimate"]
