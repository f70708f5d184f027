"""Speed of the deployment as launched: decode per sequence at the workload's concurrency, one
sequence alone, the aggregate over every sequence in flight, and prefill where compute is known.

Decode is memory-bound. One decode step of ``b`` sequences reads the weights it touches once
(dense: all of them; MoE: attention and shared experts plus the experts the ``b`` tokens route to)
and every sequence's KV cache::

    t_step = max(bytes on the GPUs / (tp x GPU bandwidth x eff), FLOPs / (tp x TFLOPS x mfu))
           + bytes in system RAM / (RAM bandwidth x CPU eff)
           + layers x (launch cost [+ all-reduces + MoE dispatch when split over GPUs])

Each sequence advances one token per step: per sequence ``1 / t_step``, in total ``b / t_step``.
Tensor parallelism divides the bytes each GPU reads but never the per-layer costs, so it is never
linear, and those costs dominate small-batch MoE decode. Pipeline parallelism and llama.cpp's layer
split run the GPUs one after another: one GPU's bandwidth, never the sum. Offloaded layers and
experts kept in RAM (``--n-cpu-moe``) are read at the system RAM's bandwidth: given with
``--memory-bandwidth``, else from the CPU platform (assumed, and said so).

Every factor is data: runtime YAML ``efficiency`` and ``performance.cuda_graphs``, and
knowledge/hardware/speed.yaml (RAM by platform, launch costs, all-reduce latency, MoE factors),
each with its source; bench/speed_calibration.py compares the results with published measurements.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pickrt.engine.fit import Fit, kv_bytes_per_sequence
from pickrt.engine.hardware import HwView
from pickrt.engine.workload import Workload

if TYPE_CHECKING:
    from pickrt.catalog.models import Runtime
    from pickrt.engine.deployment import Deployment

GB = 1e9
GIB = 1024**3
KV_DTYPE_FACTOR = {
    "f16": 1.0,
    "bf16": 1.0,
    "fp16": 1.0,
    "q8_0": 0.5,
    "fp8": 0.5,
    "fp8_e4m3": 0.5,
    "fp8_e5m2": 0.5,
    "int8": 0.5,
    "q4_0": 0.25,
    "q4_1": 0.28,
    "q5_0": 0.31,
    "q5_1": 0.34,
}


@dataclass
class SpeedEstimate:
    decode_tps: tuple[float, float] | None
    """Per sequence at the workload's concurrency (the sequences served at once)."""
    single_stream_tps: tuple[float, float] | None
    aggregate_tps: tuple[float, float] | None
    prefill_tps: tuple[float, float] | None
    concurrent_sequences: int | None
    basis: str


@dataclass
class Split:
    """What speed needs of a deployment (its own fields, or their equivalent derived from a fit)."""

    tp: int
    pp: int
    gpus: int
    replicas: int
    max_sequences: int
    context: int
    gpu_layers: int | None
    layers: int
    cpu_moe_layers: int
    kv_factor: float = 1.0
    kv_what: str = ""


@dataclass
class RamBandwidth:
    lo: float
    hi: float
    what: str
    assumed: bool
    efficiency: float = 1.0


# ---- the deployment's shape --------------------------------------------------------------------


def split_of(rt: Runtime, hw: HwView, wl: Workload, backend: str, fit: Fit, dep: Deployment | None) -> Split:
    m = wl.model.spec
    batching = bool(rt.features.continuous_batching)
    if dep is not None:
        pl = dep.placement
        dt = (dep.kv_cache_dtype or "f16").lower()
        return Split(
            tp=max(1, dep.tensor_parallel),
            pp=max(1, dep.pipeline_parallel),
            gpus=dep.gpus,
            replicas=max(1, dep.replicas),
            max_sequences=max(1, dep.max_sequences),
            context=dep.context,
            gpu_layers=pl.gpu_layers,
            layers=pl.layers or m.layers,
            cpu_moe_layers=pl.cpu_moe_layers or 0,
            kv_factor=KV_DTYPE_FACTOR.get(dt, 1.0),
            kv_what=f" ({dt} KV cache)" if dt not in ("f16", "bf16") else "",
        )
    # No deployment yet: the equivalent of what the fit implies, on the fewest GPUs that hold it.
    gpus, tp, pp = (0, 1, 1) if backend == "cpu" else (1, 1, 1)
    share = 1.0
    pool = fit.pool
    if backend != "cpu" and pool.kind == "vram" and pool.gpus_used > 1 and pool.gb:
        n = pool.gpus_used
        kv1 = fit.kv_gb / max(1, wl.users)
        k = n
        for c in (2**i for i in range(0, 8)):
            if c <= n and pool.gb * c / n >= fit.weights_gb + fit.overhead_gb * c / n + kv1:
                k = c
                break
        per_node = max(1, len(hw.gpus))
        gpus, share = k, k / n
        # Without a deployment, tensor parallel only for the servers whose way to split is TP (as today's
        # commands imply); llama.cpp-family runtimes split by layers unless the deployment says otherwise.
        if rt.multi_gpu.tensor_parallel and getattr(getattr(rt, "performance", None), "cuda_graphs", None):
            tp = min(k, per_node)
            pp = max(1, math.ceil(k / tp))
        else:
            pp = k
    max_seqs = 1
    if batching and wl.users > 1:
        max_seqs = wl.users
        if pool.gb:
            room = pool.gb * share - fit.weights_gb - fit.overhead_gb * share
            kv1 = kv_bytes_per_sequence(m, wl.context) / GIB
            if kv1 > 0:
                max_seqs = max(1, min(wl.users, int(room / kv1)))
    return Split(
        tp=tp,
        pp=pp,
        gpus=gpus,
        replicas=1,
        max_sequences=max_seqs,
        context=wl.context,
        gpu_layers=fit.gpu_layers if fit.offload else None,
        layers=m.layers,
        cpu_moe_layers=0,
    )


# ---- bandwidths -------------------------------------------------------------------------------


def ram_bandwidth(hw: HwView) -> RamBandwidth | None:
    """System RAM bandwidth (GB/s): given, known from the chip, or assumed from the CPU platform."""
    data = hw.speed_data
    given = getattr(hw.profile, "memory_bandwidth_gbs", None)
    if given:
        return RamBandwidth(given, given, f"{given:g} GB/s system RAM (--memory-bandwidth)", False)
    if data is None:
        return None
    sm = data.system_memory
    if hw.accel == "apple" and hw.apple_bandwidth:
        bw = hw.apple_bandwidth * sm.apple_cpu_share
        return RamBandwidth(
            bw,
            bw,
            f"~{bw:.0f} GB/s: the CPU cores' share ({sm.apple_cpu_share:.0%}) of "
            f"{hw.apple_bandwidth:g} GB/s unified memory",
            False,
        )
    for g in hw.gpus:
        if g.unified and g.bandwidth:
            return RamBandwidth(g.bandwidth, g.bandwidth, f"{g.bandwidth:g} GB/s memory shared with the GPU", False)
    model = (getattr(getattr(hw.profile, "cpu", None), "model", None) or "")[:200]
    if model:
        for p in sm.platforms:
            if re.search(p.match, model, re.I):
                return RamBandwidth(
                    p.gbs, p.gbs, f"{p.gbs:g} GB/s ({p.what}, assumed from the CPU model)", True, p.efficiency
                )
    dflt = sm.default
    return RamBandwidth(dflt.lo_gbs, dflt.hi_gbs, f"{dflt.lo_gbs:g}-{dflt.hi_gbs:g} GB/s (assumed: {dflt.what})", True)


def _gpu_bandwidth(hw: HwView, backend: str) -> tuple[float | None, str]:
    if backend == "metal":
        bw = hw.apple_bandwidth
        return bw, (f"{bw:g} GB/s unified memory" if bw else "Apple chip bandwidth unknown (not in the catalog)")
    bws = [g.bandwidth for g in hw.gpus]
    if not bws or any(b is None for b in bws):
        return None, "GPU memory bandwidth unknown (not in the catalog)"
    bw = min(bws)
    return bw, f"{hw.gpus[0].name} {bw:g} GB/s"


def _link(hw: HwView, tpd: Any) -> str:
    names = [g.name for g in hw.gpus] or [""]
    nv = all(any(re.search(p, n, re.I) for p in tpd.nvlink_gpus) for n in names)
    return "nvlink" if nv else "pcie"


def _link_name(hw: HwView, link: str | None) -> str:
    if link == "pcie":
        return "PCIe"
    return "Infinity Fabric" if any(g.vendor == "amd" for g in hw.gpus) else "NVLink"


# ---- the estimate ------------------------------------------------------------------------------


def estimate(
    rt: Runtime, hw: HwView, wl: Workload, backend: str, fit: Fit | None, dep: Deployment | None = None
) -> SpeedEstimate | None:
    if fit is None or wl.model is None:
        return None
    data = hw.speed_data
    if data is None:
        return SpeedEstimate(None, None, None, None, None, "no estimate: the catalog has no hardware/speed.yaml")
    d, tpd = data.decode, data.decode.tensor_parallel
    m = wl.model.spec
    sp = split_of(rt, hw, wl, backend, fit, dep)
    L = max(1, sp.layers)
    on_cpu = backend == "cpu"

    gpu_bw, gpu_what = (None, "") if on_cpu else _gpu_bandwidth(hw, backend)
    f_ram = 1.0 if on_cpu else ((L - min(L, sp.gpu_layers)) / L if sp.gpu_layers is not None else 0.0)
    c_moe = 0.0 if on_cpu else min(1.0, sp.cpu_moe_layers / L)
    needs_ram = on_cpu or f_ram > 0 or c_moe > 0
    ram = ram_bandwidth(hw) if needs_ram else None
    concurrent = sp.max_sequences * sp.replicas
    if not on_cpu and gpu_bw is None:
        return SpeedEstimate(None, None, None, None, concurrent, f"no estimate: {gpu_what}")
    if needs_ram and ram is None:
        return SpeedEstimate(None, None, None, None, concurrent, "no estimate: system RAM bandwidth unknown")

    # efficiency: achieved share of peak bandwidth
    eff_gpu = getattr(rt.efficiency, "cuda" if backend == "vulkan" else backend, None) or d.default_efficiency
    if backend == "vulkan":
        eff_gpu *= d.vulkan_factor
    eff_cpu = (rt.efficiency.cpu or d.default_efficiency) * (ram.efficiency if ram else 1.0)
    params = m.params_b or 1.0
    active_b = m.active_params_b or params
    a = min(1.0, active_b / params)
    moe = a < 0.9
    if moe:
        eff_gpu *= d.moe_efficiency_factor
        eff_cpu *= d.moe_efficiency_factor
    shared = a * (1 - d.moe_routed_share) if moe else 1.0
    p_exp = a * d.moe_routed_share / (1 - shared) if moe else 0.0
    W = fit.weights_gb * GIB

    # per-layer fixed costs
    graphs = bool(getattr(getattr(rt, "performance", None), "cuda_graphs", None)) and backend in ("cuda", "rocm")
    launch_key = "cpu" if on_cpu else backend
    launch = d.layer_launch_s.get(launch_key, d.layer_launch_s.get("cuda", 4e-5)) * (
        d.cuda_graphs_factor if graphs else 1.0
    )
    if moe:
        launch *= d.moe_overhead_factor
    per_layer = launch
    # expert dispatch under TP, scaled by the active parameters per layer against the calibrated model's
    moe_dispatch = (
        tpd.moe_layer_s * min(1.0, active_b / max(1, m.layers) / tpd.moe_ref_active_per_layer_b) if moe else 0.0
    )
    link = None
    if sp.tp > 1:
        link = _link(hw, tpd)
        per_layer += tpd.allreduces_per_layer * tpd.allreduce_s.get(link, max(tpd.allreduce_s.values()))
        if moe:
            per_layer += moe_dispatch
    dispatch = 0.0  # per-step communication and expert dispatch: partly hidden behind long memory reads
    if sp.tp > 1:
        dispatch = L * (per_layer - launch)
    overhead = L * per_layer + (sp.pp - 1) * tpd.pipeline_hop_s

    tflops = None
    if not on_cpu and backend != "metal":
        tf = [g.spec.fp16_tflops if g.spec else None for g in hw.gpus]
        if tf and all(tf):
            tflops = min(tf)

    cores = getattr(getattr(hw.profile, "cpu", None), "cores", None)
    cpu_gflops = cores * d.cpu_gflops_per_core if cores and needs_ram and hw.accel != "apple" else None

    def step(b: int, kv_tokens: int, ram_gbs: float | None) -> float:
        touched_exp = (1 - (1 - p_exp) ** b) if moe else 0.0
        w_shared = W * shared
        w_exp = W * (1 - shared) * touched_exp
        kv = b * kv_bytes_per_sequence(m, kv_tokens) * sp.kv_factor if kv_tokens else 0.0
        ram_bytes = (w_shared + kv) * f_ram + w_exp * min(1.0, f_ram + c_moe)
        gpu_bytes = w_shared + w_exp + kv - ram_bytes
        t = 0.0
        if gpu_bytes > 0 and gpu_bw:
            t = gpu_bytes / (sp.tp * gpu_bw * GB * eff_gpu)
            if tflops:
                t = max(t, 2 * active_b * 1e9 * b / (sp.tp * tflops * 1e12 * d.decode_mfu))
        hidden = tpd.overlap * min(t, dispatch)
        if ram_bytes > 0 and ram_gbs:
            t_ram = ram_bytes / (ram_gbs * GB * eff_cpu)
            if cpu_gflops:  # the CPU also computes what it reads: a batch soon makes it compute-bound
                t_ram = max(
                    t_ram, 2 * active_b * 1e9 * b * (ram_bytes / max(1.0, w_shared + w_exp + kv)) / (cpu_gflops * 1e9)
                )
            t += t_ram
        return t + overhead - hidden

    ctx = max(1, sp.context)
    users_per_replica = max(1, math.ceil(wl.users / sp.replicas))
    # a deployment's slots batch (llama-server -np, OLLAMA_NUM_PARALLEL, --max-num-seqs); without one, the catalog says
    batching = dep is not None or bool(rt.features.continuous_batching)
    b = max(1, min(users_per_replica, sp.max_sequences)) if batching else 1
    in_flight = min(wl.users, b * sp.replicas)
    ram_lo, ram_hi = (ram.lo, ram.hi) if ram else (None, None)

    def rng(bb: int) -> tuple[float, float]:
        # slow end: every sequence at the full context; fast end: one fresh sequence, or a batch at half of it
        slow = 1.0 / step(bb, ctx, ram_lo)
        fast = 1.0 / step(bb, 0 if bb == 1 else ctx // 2, ram_hi)
        return slow * d.range_lo, fast * d.range_hi

    single = rng(1)
    per = rng(b) if b > 1 else single
    agg = (per[0] * in_flight, per[1] * in_flight)

    prefill = None
    pre_why = ""
    if tflops or (on_cpu and cpu_gflops):
        flops = tflops * 1e12 * sp.tp * d.prefill_mfu if tflops else cpu_gflops * 1e9
        pps = flops / (2 * active_b * 1e9)
        prefill = (round(pps * d.prefill_range[0]), round(pps * d.prefill_range[1]))
    else:
        pre_why = "; prefill: compute throughput of this hardware is not in the catalog"

    # basis: the arithmetic in words
    kv_full = kv_bytes_per_sequence(m, ctx) * sp.kv_factor
    read1 = W * (shared + ((1 - shared) * p_exp if moe else 0.0))
    parts = [
        f"{active_b:g}B {'active ' if moe else ''}params x {fit.quant.bpw:g} bits ({fit.quant.id}) "
        f"= {read1 / GB:.1f} GB read per token "
        f"(+ up to {kv_full / GB:.2f} GB of KV cache per sequence at {ctx} tokens{sp.kv_what})"
    ]
    if on_cpu:
        parts.append(f"CPU-only: read from system RAM at {ram.what} x {eff_cpu:.0%} {rt.name} efficiency")
    else:
        parts.append(f"{gpu_what} x {eff_gpu:.0%} {rt.name} efficiency on {backend}")
        n_gpus = len(hw.gpus) * max(1, hw.nodes)
        used = max(1, sp.gpus) * sp.replicas
        if n_gpus > used and backend != "metal":
            parts.append(
                f"the deployment uses {sp.gpus} of the {n_gpus} GPUs"
                + (f" ({sp.replicas} replicas)" if sp.replicas > 1 else "")
                + " (a model that fits fewer GPUs gains little from more)"
            )
        if sp.tp > 1:
            parts.append(
                f"tensor parallel over {sp.tp} GPUs: each reads 1/{sp.tp} of the weights, but every layer pays "
                f"{tpd.allreduces_per_layer} all-reduces over {_link_name(hw, link)} "
                f"({tpd.allreduce_s.get(link, 0) * 1e6:.0f} us each)"
                + (
                    f" and {moe_dispatch * 1e3:.2f} ms of expert dispatch (small-batch MoE is latency-bound)"
                    if moe
                    else ""
                )
            )
        if sp.pp > 1:
            parts.append(
                f"{'pipeline' if sp.tp > 1 or rt.multi_gpu.tensor_parallel else 'layer split'} over {sp.pp} "
                f"{'stages' if sp.tp > 1 else 'GPUs'}: they run one after another, so no bandwidth is added"
            )
        if f_ram > 0:
            parts.append(
                f"{L - (sp.gpu_layers or 0)} of {L} layers in system RAM, read at {ram.what} x {eff_cpu:.0%} "
                f"(layers run one after another: the slow part dominates)"
            )
        if c_moe > 0:
            parts.append(
                f"experts of {sp.cpu_moe_layers} of {L} layers in system RAM (attention and KV on the GPU), "
                f"read at {ram.what} x {eff_cpu:.0%}"
            )
    parts.append(
        f"+ {overhead * 1000:.1f} ms per step ({L} layers x {per_layer * 1e6:.0f} us"
        + ((", CUDA graphs" if backend == "cuda" else ", HIP graphs") if graphs else "")
        + ")"
    )
    if wl.users > 1 or sp.replicas > 1:
        if b > 1:
            parts.append(
                f"{wl.users} users: {b} sequences batched per step"
                + (f" on each of {sp.replicas} replicas" if sp.replicas > 1 else "")
                + f", about {per[0]:.0f}-{per[1]:.0f} tokens/s each and {agg[0]:.0f}-{agg[1]:.0f} in total"
                + (f"; {wl.users - in_flight} queue" if wl.users > in_flight else "")
            )
        else:
            parts.append(
                f"{wl.users} users: {rt.name} runs {'one sequence per replica' if sp.replicas > 1 else 'one sequence'} "
                f"at a time" + (f"; {wl.users - in_flight} queue" if wl.users > in_flight else "")
            )
    basis = "; ".join(parts) + pre_why
    if ram is not None and ram.assumed:
        basis += "; system RAM bandwidth is assumed: give --memory-bandwidth GBps for this machine's"

    def r1(x: tuple[float, float]) -> tuple[float, float]:
        return (round(x[0], 1), round(x[1], 1))

    return SpeedEstimate(r1(per), r1(single), r1(agg), prefill, concurrent, basis)


__all__ = ["RamBandwidth", "SpeedEstimate", "Split", "estimate", "ram_bandwidth", "split_of"]
