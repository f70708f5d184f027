"""Why not this alternative: its own trade-off against the pick, in one line (issue 14, item 9).

An operator writes "SGLang: about as fast here", "TGI: maintenance since 2025-12-11", "llama.cpp: splits by
whole layers over 4 GPUs": status, placement, capacity, quant, split and speed of *this* alternative's
deployment against the recommendation's, never the winner's reason repeated.
"""

from __future__ import annotations

import math
from typing import Optional

def _mid(speed) -> Optional[float]:
    if speed is None or not speed.decode_tps:
        return None
    lo, hi = speed.decode_tps
    return math.sqrt(max(lo, 1e-9) * max(hi, 1e-9))


def _mid_single(speed) -> Optional[float]:
    pair = getattr(speed, "single_stream_tps", None) if speed is not None else None
    if not pair:
        return None
    return math.sqrt(max(pair[0], 1e-9) * max(pair[1], 1e-9))


def tradeoff(e, rec) -> str:
    """One line a senior operator would write about this alternative against the pick: its own
    trade-off (status, quant, capacity, split, placement, speed), not the winner's reason."""
    st = e.rt.status
    if st.state in ("maintenance", "archived", "dead"):
        return f"{st.state.capitalize()}" + (f" since {st.since}" if st.since else (f" ({st.evidence.split('. ')[0]})" if st.evidence else ""))
    d, r = e.dep, rec.dep
    bits: list[str] = []
    if d is not None and r is not None:
        if e.fit and e.fit.offload and not (rec.fit and rec.fit.offload):
            where = (f"experts of {d.placement.cpu_moe_layers} MoE layers in system RAM" if d.placement.cpu_moe_layers
                     else f"{(d.placement.layers or 0) - (d.placement.gpu_layers or 0)} layers on the CPU")
            bits.append(f"only with {where}, slower than {rec.rt.name} on the GPU")
        elif e.fit and e.fit.offload and not d.placement.cpu_moe_layers and r.placement.cpu_moe_layers:
            bits.append(f"offloads whole layers ({(d.placement.layers or 0) - (d.placement.gpu_layers or 0)} of "
                        f"{d.placement.layers} on the CPU) where {rec.rt.name} keeps only the experts in RAM: several times slower")
        if d.max_sequences * d.replicas < r.max_sequences * r.replicas and d.users > 1:
            bits.append(f"serves {d.max_sequences * d.replicas} of {d.users} requests at once ({rec.rt.name}: {r.max_sequences * r.replicas})")
        elif d.max_sequences * d.replicas > r.max_sequences * r.replicas and d.users > 1:
            bits.append(f"serves more at once: {d.max_sequences * d.replicas} of {d.users} ({rec.rt.name}: {r.max_sequences * r.replicas})")
        if d.quant != r.quant:
            bits.append(f"runs {d.quant} where {rec.rt.name} runs {r.quant}")
        if d.split_by == "layers" and r.split_by in ("tensor", "pipeline"):
            bits.append(f"splits by whole layers over {d.gpus} GPUs (no tensor parallel)")
        elif d.gpus > r.gpus and r.gpus:
            bits.append(f"needs {d.gpus} GPUs per replica ({rec.rt.name}: {r.gpus})")
    a, b = _mid(e.speed), _mid(rec.speed)
    if a and b:
        ratio = a / b
        if ratio < 0.85:
            bits.append(f"about {1 / ratio:.1f}x slower per sequence here" if ratio < 0.67 else f"about {round((1 - ratio) * 100)}% slower per sequence here")
        elif ratio > 1.15:
            bits.append(f"about {round((ratio - 1) * 100)}% faster per sequence, but ranked below for this workload")
        else:
            # per-sequence speed ties at high concurrency (capped by compute and KV reads): the
            # single stream still tells the runtimes apart
            s1, s2 = _mid_single(e.speed), _mid_single(rec.speed)
            r1 = s1 / s2 if s1 and s2 else 1.0
            if r1 < 0.85:
                bits.append(f"as fast per sequence under this load, {1 / r1:.1f}x slower for one stream")
            elif r1 > 1.15:
                bits.append(f"as fast per sequence under this load, {r1:.1f}x faster for one stream")
            elif not bits:
                bits.append("about as fast here")
    own = [t for w, t in sorted(e.reasons, key=lambda x: -x[0]) if w >= 1 and t not in {x for _, x in rec.reasons}]
    if own and len(bits) < 2:
        bits.append(f"its own edge: {own[0]}")
    if not bits:
        bits.append(f"runs here too; pickrt ranks {rec.rt.name}'s fit to this workload higher")
    out = "; ".join(bits[:3])
    return out[0].upper() + out[1:]


__all__ = ["tradeoff"]
