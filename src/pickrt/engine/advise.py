"""The engine: (hardware profile, workload, catalog) -> advice. Pure; no I/O.

Every catalog runtime ends up exactly once in recommendation, alternatives, rejected or
companions, each with at least one reason.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Optional

from typing import TYPE_CHECKING

from pickrt.catalog import Catalog
from pickrt.catalog.plain import Obj
from pickrt.records import record

if TYPE_CHECKING:
    from pickrt.advice import Advice, Recommendation
    from pickrt.catalog.models import Runtime
from pickrt.engine.fit import Fit, best_fit, choose_quant, compute_fit, kv_bytes_per_sequence, weights_gb
from pickrt.engine.gates import backend_for, platform_gate, quant_gate
from pickrt.engine.hardware import HwView, view
from pickrt.engine.rules import Situation, applicable
from pickrt.engine.workload import Workload

GIB = 1024**3
OFFLOAD_PENALTY = 25.0


@dataclass
class Eval:
    rt: Runtime
    backend: Optional[str] = None
    rejected: list[str] = field(default_factory=list)
    score: float = 0.0
    reasons: list[tuple[float, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    advice_warnings: list[str] = field(default_factory=list)
    fit: Optional[Fit] = None
    fit_reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected


def advise(profile, wl: Workload, catalog: Catalog, *, local: Optional[dict] = None,
           measured: Optional[dict] = None) -> Advice:
    """``local``: what doctor found here ({"installed": set, "running": set}); host mode only.
    ``measured``: speeds saved by ``pickrt bench --save`` (engine/measured.py); they replace estimates."""
    adv = _advise(profile, wl, catalog, local=local)
    if measured:
        from pickrt.engine.measured import apply

        apply(adv, view(profile, catalog), wl, measured)
    return adv


def _advise(profile, wl: Workload, catalog: Catalog, *, local: Optional[dict] = None) -> Advice:
    hw = view(profile, catalog)
    evals, _ = _evaluate(catalog, hw, wl, local)
    warnings: list[str] = []
    engines = [e for e in evals if e.rt.kind == "engine"]
    passing = [e for e in engines if e.ok]

    relaxed_from = None
    wl_eff = wl
    gate_blocked = all(any(r not in e.fit_reasons for r in e.rejected) for e in engines)
    if not passing and wl.quant_format and wl.runtime is None and gate_blocked:
        # The format cannot run here at all (EXL2 on a Mac...): say so, and advise the usual path.
        relaxed = dataclasses.replace(wl, quant="any", quant_format=None, quant_spec=None)
        evals2, _ = _evaluate(catalog, hw, relaxed, local)
        if any(e.ok and e.rt.kind == "engine" for e in evals2):
            relaxed_from, wl_eff = wl.quant_format, relaxed
            fmt_users = [e for e in engines if wl.quant_format in e.rt.quant_formats]
            why = "; ".join(f"{e.rt.name}: {e.rejected[0]}" for e in fmt_users[:2]) or "no runtime here loads it"
            alt = "GGUF or MLX" if hw.accel == "apple" else "GGUF"
            warnings.append(f"No runtime can serve {relaxed_from.upper()} weights on {hw.label} ({why}). "
                            f"Advice below is for the {alt} build of the model instead: download or convert a {alt} version.")
            # keep the format-specific rejections, take the rest from the relaxed pass
            keep = {e.rt.slug: e for e in evals if wl.quant_format in e.rt.quant_formats and not e.ok}
            evals = [keep.get(e.rt.slug, e) for e in evals2]
            engines = [e for e in evals if e.rt.kind == "engine"]
            passing = [e for e in engines if e.ok]

    order = {s: i for i, s in enumerate(catalog.runtimes)}
    passing.sort(key=lambda e: (-e.score, order[e.rt.slug]))
    rec_eval: Optional[Eval] = None
    if wl.runtime:
        named = next(e for e in evals if e.rt.slug == wl.runtime)
        rec_eval = named if named.ok and named.rt.kind == "engine" else None
    elif passing:
        rec_eval = passing[0]

    recommendation = None
    alternatives: list[Obj] = []
    rejected: list[Obj] = []
    companions: list[Obj] = []
    top_pick = passing[0] if passing else None

    if rec_eval is not None:
        recommendation = _recommendation(rec_eval, hw, wl_eff, catalog)
        recommendation.speed = _speed(rec_eval, hw, wl_eff)
        if wl.runtime and top_pick and top_pick is not rec_eval:
            recommendation.reasons.insert(0, f"you asked for {rec_eval.rt.name} with --runtime; it can run here")
        elif wl.runtime:
            recommendation.reasons.insert(0, f"you asked for {rec_eval.rt.name} with --runtime; it is also pickrt's own pick")
        warnings.extend(rec_eval.warnings)
    for e in passing:
        if e is rec_eval:
            continue
        reasons = [r for _, r in sorted(e.reasons, key=lambda x: -x[0])]
        if wl.runtime and e is top_pick:
            reasons.insert(0, f"pickrt's own pick for this hardware and workload (you asked for {rec_eval.rt.name if rec_eval else wl.runtime})")
        if rec_eval is not None and e is not top_pick or not reasons:
            reasons.append(_below(e, rec_eval))
        if e.fit and e.fit.offload:
            reasons.append(f"only by offloading {e.rt.name}'s layers to system RAM ({e.fit.gpu_layers} of {wl_eff.model.spec.layers} on the GPU)")
        alternatives.append(record("Alternative", runtime=e.rt.slug, name=e.rt.name, zone=e.rt.zone, reasons=_dedupe(reasons),
                                speed=_speed(e, hw, wl_eff)))
    for e in evals:
        if e.rt.kind == "bridge":
            companions.append(record("Listed", runtime=e.rt.slug, name=e.rt.name, reasons=_bridge_reasons(e.rt, rec_eval, wl_eff)))
        elif not e.ok and e is not rec_eval:
            rejected.append(record("Listed", runtime=e.rt.slug, name=e.rt.name, reasons=_dedupe(e.rejected)))
    if wl.runtime and rec_eval is None:
        named = next(e for e in evals if e.rt.slug == wl.runtime)
        if named.rt.kind == "bridge":
            warnings.append(f"{named.rt.name} is a front end, not an inference engine: run it on top of a recommended runtime")
        else:
            warnings.append(f"{named.rt.name} cannot serve this workload here: {named.rejected[0]}")

    model_fit = _model_fit(rec_eval, evals, wl_eff)
    if wl_eff.model is not None and (rec_eval is None or (rec_eval.fit and not rec_eval.fit.fits)):
        warnings.extend(_what_would_fit(evals, hw, wl_eff, catalog, rec_eval))
    if wl_eff.model is not None and wl_eff.model.note and not wl_eff.model.exact:
        warnings.append(f"Model sized as given: {wl_eff.model.note}")
    if rec_eval is None and not wl.runtime and not warnings:
        warnings.append("No runtime in the catalog can serve this workload on this hardware: see `rejected` for each reason.")
    for e in evals:  # rules' advice-wide warnings (knowledge/rules/status.yaml: Petals is not a way out)
        warnings.extend(e.advice_warnings)

    wout = record("WorkloadOut", 
        traffic=wl.traffic, users=wl.users, quant=wl.quant if relaxed_from is None else f"any (asked: {wl.quant})",
        model=(wl.model.label if wl.model else None), context=wl.context, goal=wl.goal, needs=list(wl.needs),
        runtime=wl.runtime,
    )
    suggestions = []
    no_fit = wl_eff.model is not None and (rec_eval is None or (rec_eval.fit is not None and not rec_eval.fit.fits))
    if wl_eff.model is None or no_fit:
        from pickrt.engine.suggest import suggest

        suggestions = suggest(rec_eval, evals, hw, dataclasses.replace(wl_eff, model=None), catalog,
                              exclude=wl_eff.model.spec.id if wl_eff.model else None)
    return record("Advice", 
        hardware=profile, workload=wout, recommendation=recommendation, alternatives=alternatives,
        rejected=rejected, companions=companions, model_fit=model_fit, model_suggestions=suggestions,
        warnings=_dedupe(warnings),
    )


def _speed(e: Eval, hw: HwView, wl: Workload) -> Optional[Obj]:
    from pickrt.engine.speed import estimate

    if e.fit is None or e.backend is None:
        return None
    est = estimate(e.rt, hw, wl, e.backend, e.fit)
    if est is None:
        return None
    return record(
        "Speed", decode_tps=list(est.decode_tps) if est.decode_tps else None,
        prefill_tps=list(est.prefill_tps) if est.prefill_tps else None,
        concurrent_sequences=est.concurrent_sequences, basis=est.basis,
    )


# ---- evaluation -----------------------------------------------------------------------------


def _evaluate(catalog: Catalog, hw: HwView, wl: Workload, local: Optional[dict]) -> tuple[list[Eval], Situation]:
    evals = [Eval(rt) for rt in catalog.runtimes.values()]
    sit = Situation(hw=hw, wl=wl)
    for e in evals:
        rt = e.rt
        if rt.kind == "bridge":
            continue
        if rt.superseded_by:
            succ = catalog.runtimes.get(rt.superseded_by)
            e.rejected.append(f"{rt.status.state}: superseded by {succ.name if succ else rt.superseded_by}"
                              + (f" ({rt.status.evidence})" if rt.status.evidence else ""))
        pg = platform_gate(rt, hw)
        if pg:
            e.rejected.append(pg)
        backend, why = backend_for(rt, hw)
        if why and not pg:
            e.rejected.append(why)
        e.backend = backend
        qr, qw = quant_gate(rt, hw, wl.quant_format)
        if qr:
            e.rejected.append(qr)
        if qw:
            e.warnings.append(qw)
        if backend and wl.model is not None and not e.rejected:
            allowed = lambda fmt, rt=rt: quant_gate(rt, hw, fmt)[0] is None  # noqa: E731
            e.fit = best_fit(catalog, rt, hw, wl, backend, allowed)
            if e.fit is None:
                e.rejected.append("loads no quant format pickrt can size")
    # Does the model fit one node with the best single-node runtime? (drives distributed rules)
    if wl.model is not None and hw.nodes > 1:
        single = dataclasses.replace(hw, nodes=1)
        best = None
        for e in evals:
            if e.backend and e.rt.kind == "engine" and e.fit is not None:
                f = best_fit(catalog, e.rt, single, wl, e.backend)
                if f and f.fits:
                    best = True
                    break
        sit.fits_one_node = bool(best)
    elif wl.model is not None:
        sit.fits_one_node = any(e.fit and e.fit.fits for e in evals)
    if wl.model is not None:
        sit.fits_anywhere = any(e.fit and (e.fit.fits or e.fit.offload or e.fit.partial) for e in evals)
    for e in evals:
        if e.rt.kind == "bridge":
            continue
        if e.fit is not None and not e.fit.fits and not e.fit.offload and not e.fit.partial:
            p = e.fit.pool
            if p.gb is None:
                e.fit_reasons.append(f"cannot check the fit: {p.what} (give --memory/--vram)")
            else:
                e.fit_reasons.append(f"{wl.model.label} needs {e.fit.required_gb:.1f} GiB ({e.fit.quant.id}, {wl.context} tokens x {wl.users} users); "
                                  f"{p.gb:.1f} GiB usable ({p.what})")
            e.rejected.extend(e.fit_reasons)
        for r in applicable(catalog.rules, sit, e.rt):
            a = r.then
            if a.reject:
                e.rejected.insert(0, _reject_text(a.reject, e.rt))
                continue
            if a.prefer:
                e.score += a.prefer
            if a.reason:
                e.reasons.append((a.prefer or 0.1, a.reason))
            if a.note:
                e.notes.append(a.note)
            if a.warning:
                e.warnings.append(a.warning)
            if a.advice_warning:
                e.advice_warnings.append(a.advice_warning)
        if e.fit is not None:
            if e.fit.partial:
                e.score -= 10
                e.warnings.append(f"The KV cache for {wl.users} users x {wl.context} tokens does not fit: {e.fit.detail.split('of all ')[-1].split(': ', 1)[-1]}. "
                                  "More GPUs, a shorter context or an FP8 KV cache (--kv-cache-dtype fp8) raise that.")
            elif e.fit.offload:
                e.score -= OFFLOAD_PENALTY
                e.warnings.append(
                    f"{wl.model.label} does not fit in GPU memory: {e.rt.name} would keep "
                    f"{wl.model.spec.layers - (e.fit.gpu_layers or 0)} of {wl.model.spec.layers} layers in system RAM; "
                    "expect it to run several times slower (those layers run on the CPU). A smaller quant or a bigger GPU avoids it.")
            elif e.fit.fits:
                e.reasons.append((0.05, f"{wl.model.label} fits: {e.fit.required_gb:.1f} of {e.fit.pool.gb:.1f} GiB usable ({e.fit.quant.id})"))
        if local and e.ok:
            if e.rt.slug in local.get("running", set()):
                e.score += 8
                e.reasons.append((8, f"{e.rt.name} is already running on this machine"))
            elif e.rt.slug in local.get("installed", set()):
                e.score += 5
                e.reasons.append((5, f"{e.rt.name} is already installed on this machine"))
        elif local and not e.ok and e.rt.slug in (local.get("installed", set()) | local.get("running", set())):
            e.rejected.insert(0, f"{e.rt.name} is installed here, but it is a poor fit: {e.rejected[0]}")
    return evals, sit


def _reject_text(text: str, rt: Runtime) -> str:
    if text in ("unmaintained", "archived"):
        ev = rt.status.evidence or ""
        if rt.superseded_by:
            return f"{text}: {ev}".strip()
        return f"{text} ({rt.status.state}{', since ' + rt.status.since if rt.status.since else ''}): {ev}".strip()
    return text


def _below(e: Eval, rec: Optional[Eval]) -> str:
    if rec is None:
        return e.rt.summary
    top = max(rec.reasons, key=lambda x: x[0])[1] if rec.reasons else rec.rt.summary
    return f"runs here, ranked below {rec.rt.name} ({top})"


def _dedupe(xs: list[str]) -> list[str]:
    return [x for x in dict.fromkeys(x for x in xs if x)]


def _bridge_reasons(rt: Runtime, rec: Optional[Eval], wl: Workload) -> list[str]:
    target = f"{rec.rt.name}'s OpenAI-compatible endpoint" if rec and rec.rt.api.openai_compatible else "any OpenAI-compatible or Ollama endpoint"
    if rt.features.rag and not rt.features.gui and "chat-ui" in wl.needs or (rt.slug == "open-webui"):
        base = f"a companion, not an engine: a ChatGPT-style web UI (users, history, document chat) on top of {target}"
        if "chat-ui" in wl.needs:
            base = "you asked for a chat UI: " + base
        return [base]
    base = f"a companion, not an engine: {rt.summary[0].lower() + rt.summary[1:] if rt.summary else rt.name} Point it at {target}"
    if "rag" in wl.needs and rt.features.rag:
        base = "you asked for RAG: " + base
    return [base]


def _recommendation(e: Eval, hw: HwView, wl: Workload, catalog: Catalog) -> Recommendation:
    from pickrt.render.commands import endpoint_for, install_lines, serve_line

    rt = e.rt
    reasons = [r for _, r in sorted(e.reasons, key=lambda x: -x[0])] or [rt.summary]
    notes = list(e.notes)
    port = rt.api.default_port
    bind = rt.api.bind_default or ""
    if port and bind.startswith("0.0.0.0"):
        notes.append(f"Listens on all interfaces ({bind}) by default: bind it to 127.0.0.1 (--host 127.0.0.1) unless "
                      "other machines must reach it, and then put a reverse proxy with authentication in front.")
    elif port:
        notes.append(f"Listens on 127.0.0.1:{port} by default; keep it on localhost and put a reverse proxy with "
                      "authentication in front before exposing it to a network.")
    notes.extend(n.text for n in rt.operator_notes)
    return record("Recommendation", 
        runtime=rt.slug, name=rt.name, zone=rt.zone, reasons=_dedupe(reasons), operator_notes=_dedupe(notes),
        install=install_lines(rt), serve=serve_line(rt, wl, catalog, e.fit), endpoint=endpoint_for(rt),
    )


def _model_fit(rec: Optional[Eval], evals: list[Eval], wl: Workload) -> Optional[ModelFit]:
    if wl.model is None:
        return None
    f = rec.fit if rec and rec.fit else None
    if f is None:
        cands = [e.fit for e in evals if e.fit is not None and e.rt.kind == "engine"
                 and not [r for r in e.rejected if r not in e.fit_reasons]]
        if not cands:
            return None
        f = max(cands, key=lambda x: (x.pool.gb or 0) - x.required_gb)
    return record("ModelFit", 
        fits=f.fits, required_gb=round(f.required_gb, 2), available_gb=round(f.pool.gb or 0.0, 2), quant=f.quant.id,
        detail=f.detail, offload=f.offload, weights_gb=round(f.weights_gb, 2), kv_cache_gb=round(f.kv_gb, 2),
        overhead_gb=round(f.overhead_gb, 2), gpu_layers=f.gpu_layers, runtime=f.runtime,
    )


def _what_would_fit(evals: list[Eval], hw: HwView, wl: Workload, catalog: Catalog, rec: Optional[Eval] = None) -> list[str]:
    """Concrete changes that would make the model fit, measured against the roomiest runtime."""
    fits = [e for e in evals if e.fit is not None and e.fit.pool.gb and e.rt.kind == "engine"
            and not [r for r in e.rejected if r not in e.fit_reasons]]
    if not fits:
        if wl.model is not None and hw.system_gb is None:
            return ["Memory is unknown for this profile: give --memory GB (and --vram GB for an unknown GPU) to check the fit."]
        return []
    best = rec if rec is not None and rec.fit is not None and rec.fit.pool.gb else max(fits, key=lambda e: e.fit.pool.gb - e.fit.required_gb)
    f = best.fit
    avail = f.pool.gb
    out = [f"{wl.model.label} needs {f.required_gb:.1f} GiB with {best.rt.name} ({f.quant.id}) but {avail:.1f} GiB is usable ({f.pool.what})."]
    ideas = []
    ref = wl.model
    done = False
    for qid in ("q4_k_m", "awq", "mlx-4bit", "exl3:4", "q3_k_m", "mlx-3bit", "exl3:3", "iq2_xs", "mlx-2bit"):
        q = catalog.find_quant(qid)
        for e in fits:
            g = e.fit
            if done or q is None or q.bpw >= g.quant.bpw or q.format not in e.rt.quant_formats:
                continue
            w = weights_gb(ref, q)
            if w + g.kv_gb + g.overhead_gb <= g.pool.gb:
                ideas.append(f"a smaller quant: {q.id} with {e.rt.name} ({w:.1f} GiB of weights) would fit"
                             + (" (below 4 bits quality drops noticeably)" if q.bpw < 4 else ""))
                done = True
    if hw.system_gb is None and any(e.rt.features.cpu_offload for e in fits):
        ideas.append("offloading layers to system RAM (llama.cpp family): give --memory GB to check how much would fit")
    room = avail - f.weights_gb - f.overhead_gb
    def seq_gb(tokens: int) -> float:  # per-layer KV + fixed state: not linear in the context
        return kv_bytes_per_sequence(ref.spec, tokens) / GIB

    if room > 0 and seq_gb(wl.context) > 0:
        lo, hi = 0, wl.context
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if seq_gb(mid) * wl.users <= room else (lo, mid - 1)
        max_tokens = lo
        if 2048 <= max_tokens < wl.context:
            ideas.append(f"a shorter context: about {max_tokens // 1024 * 1024} tokens per request fit")
        if wl.users > 1:
            max_users = int(room / seq_gb(wl.context))
            if 1 <= max_users < wl.users:
                ideas.append(f"fewer concurrent users: about {max_users} fit at {wl.context} tokens")
    if hw.gpus and hw.gpus[0].vram_gb:
        per_gpu = hw.gpus[0].vram_gb * (best.rt.memory.preallocate_fraction or 1.0)
        n = math.ceil(f.required_gb / per_gpu)
        if n > len(hw.gpus):
            ideas.append(f"more GPUs: about {n} x {hw.gpus[0].name} ({hw.gpus[0].vram_gb:g} GiB each) with a runtime that splits the model")
    elif hw.accel == "apple" and hw.apple_usable_gb:
        n = math.ceil(f.required_gb / hw.apple_usable_gb)
        if n > 1:
            ideas.append(f"more memory or more Macs: {n} Macs like this one with Exo (Thunderbolt 5)")
    else:
        ideas.append(f"more memory: at least {f.required_gb + 2:.0f} GiB of RAM")
    if ideas:
        out.append("What would change that: " + "; ".join(ideas) + ".")
    return out


__all__ = ["advise"]
