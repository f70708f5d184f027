"""Models to suggest: the catalog models that fit this hardware and workload, ranked for the
person asking. Pure.

Ranking: first the models that run at a usable speed here (single-stream decode of at least
``USABLE_TPS`` tokens/s at the low end of the estimate), best quality first; quality is taken as
sqrt(total x active params), so a 32B dense model ranks above a 30B MoE with 3B active where both
run well, and the MoE wins where the dense model would crawl (a laptop CPU). Models without a speed
estimate come next (system RAM bandwidth is often unknown): those that read at most
``LIGHT_GB_PER_TOKEN`` per token first (about 10 tokens/s at the ~60 GB/s of dual-channel DDR5, a
typical laptop), then the rest; models slower than usable come last. Models the catalog marks ``superseded_by`` are
not suggested (they still resolve when named). ``--need multimodal`` keeps image-input models;
the context asked must be within the model's ``max_context``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any, Optional

from pickrt.engine.fit import best_fit
from pickrt.records import record

SUGGESTIONS = 5
USABLE_TPS = 10.0
LIGHT_GB_PER_TOKEN = 6.0


def quality(m: Any) -> float:
    active = m.active_params_b or m.params_b
    return math.sqrt(m.params_b * active)


def wanted(m: Any, wl: Any) -> Optional[str]:
    """Why the model is not for this workload (None: it is)."""
    if m.superseded_by:
        return f"superseded by {m.superseded_by}"
    if "multimodal" in wl.needs and "image" not in (m.modalities or []) and not m.multimodal:
        return "no image input"
    if m.max_context and wl.context > m.max_context:
        return f"context {wl.context} beyond its {m.max_context}"
    return None


def _missing(rt: Any, m: Any) -> Optional[str]:
    """A download field the runtime's get_model command uses that this model does not publish
    (the command would otherwise name a placeholder model)."""
    for key in re.findall(r"\{(ollama_tag|gguf_repo|mlx_repo|hf_repo)\}", rt.get_model or ""):
        if not getattr(m, key, None):
            return key
    return None


def pick_runtime(rec: Any, evals: list) -> Any:
    """The recommendation when it has a backend, else the roomiest engine rejected only for the fit."""
    if rec is not None and rec.backend is not None:
        return rec
    cands = [e for e in evals if e.backend is not None and e.rt.kind == "engine"
             and all(r in e.fit_reasons for r in e.rejected)]
    if not cands:
        return None
    return max(cands, key=lambda e: (e.fit.pool.gb or 0) if e.fit else 0)


def suggest(rec: Any, evals: list, hw: Any, wl: Any, catalog: Any, exclude: Optional[str] = None) -> list:
    """Up to SUGGESTIONS records (model, quant, memory, speed, how to get it, why)."""
    from pickrt.engine.speed import estimate
    from pickrt.engine.workload import ModelRef
    from pickrt.render.commands import get_model_line

    e = pick_runtime(rec, evals)
    if e is None:
        return []
    rows = []
    for m in catalog.models:
        if m.id == exclude or wanted(m, wl):
            continue
        w2 = dataclasses.replace(wl, model=ModelRef(spec=m, label=m.id))
        f = best_fit(catalog, e.rt, hw, w2, e.backend)
        if f is None or not f.fits or f.quant.bpw < 4 or f.required_gb > 0.92 * (f.pool.gb or 0):
            continue
        est = estimate(e.rt, hw, w2, e.backend, f)
        tps = est.decode_tps if est and est.decode_tps else None
        read_gb = (m.active_params_b or m.params_b) * f.quant.bpw / 8
        tier = (1 if read_gb <= LIGHT_GB_PER_TOKEN else 2) if tps is None else (0 if tps[0] >= USABLE_TPS else 3)
        rows.append((tier, -quality(m), m.id, m, f, tps, w2))
    rows.sort(key=lambda r: r[:3])
    out = []
    for tier, _, _, m, f, tps, w2 in rows[:SUGGESTIONS]:
        moe = f", {m.active_params_b:g}B active per token" if m.active_params_b and m.active_params_b < m.params_b else ""
        read_gb = (m.active_params_b or m.params_b) * f.quant.bpw / 8
        speed = (f"; about {tps[0]:.0f}-{tps[1]:.0f} tokens/s here" if tps else
                 f"; speed unknown here (reads {read_gb:.1f} GB per token)")
        slow = " (slower than a comfortable reading pace)" if tier == 3 else ""
        mods = "; image input" if "image" in (m.modalities or []) else ""
        out.append(record(
            "Suggestion", model=m.id, quant=f.quant.id, required_gb=round(f.required_gb, 2),
            available_gb=round(f.pool.gb or 0, 2), decode_tps=list(tps) if tps else None,
            get=get_model_line(e.rt, w2, catalog, f) if not _missing(e.rt, m) else None,
            note=f"{m.params_b:g}B{moe}{mods}{speed}{slow}, with {e.rt.name}",
        ))
    return out


__all__ = ["LIGHT_GB_PER_TOKEN", "SUGGESTIONS", "USABLE_TPS", "pick_runtime", "quality", "suggest", "wanted"]
