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
from pickrt.engine import deploy
from pickrt.engine.whynot import tradeoff as _tradeoff
from pickrt.engine.deployment import Deployment, as_record
from pickrt.engine.fit import QUEUE_MAX, Fit, best_fit, kv_bytes_per_sequence, serves_concurrently, weights_gb
from pickrt.engine.gates import backend_for, platform_gate, quant_allowed, quant_gate
from pickrt.engine.hardware import HwView, view
from pickrt.engine.rules import Situation, applicable
from pickrt.engine.workload import Workload

GIB = 1024**3
OFFLOAD_PENALTY = 25.0
MAKE_PENALTY = 6.0
REQUANT_PENALTY = 40.0
MOE_OFFLOAD_PENALTY = 12.0  # experts in RAM: slower than all-GPU, much faster than whole-layer offload


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
    dep: Optional[Deployment] = None
    speed: Optional[Obj] = None
    kinds: dict[str, str] = field(default_factory=dict)
    """Each reason's kind (pickrt.advice.ReasonKind): renderers never match sentence text."""

    @property
    def ok(self) -> bool:
        return not self.rejected

    def reject(self, kind: str, text: str, *, first: bool = False) -> None:
        if first:
            self.rejected.insert(0, text)
        else:
            self.rejected.append(text)
        self.kinds.setdefault(text, kind)

    def reason(self, kind: str, weight: float, text: str) -> None:
        self.reasons.append((weight, text))
        self.kinds.setdefault(text, kind)

    def kinds_of(self, reasons: list[str]) -> list[str]:
        return [self.kinds.get(r, "rule") for r in reasons]


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
    warnings: list[str] = []
    wl = _within_window(wl, warnings)
    evals, _ = _evaluate(catalog, hw, wl, local)
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
    for e in passing:
        _deploy(e, catalog, hw, wl_eff)
        ck = e.dep.checkpoint if e.dep is not None else None
        if ck is not None and ck.make and not ck.make.startswith("on load"):
            # An operator prefers what can be downloaded to what must first be quantized or converted.
            e.score -= MAKE_PENALTY
    _prefer_published_format(passing, wl_eff)
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

    if rec_eval is not None and rec_eval.dep is None:
        _deploy(rec_eval, catalog, hw, wl_eff)
    suggestions: list = []
    if wl_eff.model is None:
        from pickrt.engine.suggest import suggest

        suggestions = suggest(rec_eval, evals, hw, wl_eff, catalog) if rec_eval is not None else []
    if rec_eval is not None and wl_eff.model is None:
        _launch_suggested(suggestions, [e for e in passing if e is not rec_eval] + [rec_eval], catalog, hw, wl_eff)
    if rec_eval is not None:
        recommendation = _recommendation(rec_eval, hw, wl_eff, catalog)
        recommendation.speed = rec_eval.speed
        if wl.runtime and top_pick and top_pick is not rec_eval:
            recommendation.reasons.insert(0, f"you asked for {rec_eval.rt.name} with --runtime; it can run here")
        elif wl.runtime:
            recommendation.reasons.insert(0, f"you asked for {rec_eval.rt.name} with --runtime; it is also pickrt's own pick")
        recommendation.kinds = ["asked"] * (len(recommendation.reasons) - len(recommendation.kinds)) + recommendation.kinds
        warnings.extend(rec_eval.warnings)
    for e in passing:
        if e is rec_eval:
            continue
        reasons = [r for _, r in sorted(e.reasons, key=lambda x: -x[0])]
        if wl.runtime and e is top_pick:
            reasons.insert(0, f"pickrt's own pick for this hardware and workload (you asked for {rec_eval.rt.name if rec_eval else wl.runtime})")
            e.kinds.setdefault(reasons[0], "pick")
        if rec_eval is not None and not (wl.runtime and e is top_pick):
            reasons.insert(0, _tradeoff(e, rec_eval))
            e.kinds.setdefault(reasons[0], "tradeoff")
        elif not reasons:
            reasons.append(e.rt.summary)
        reasons = _dedupe(reasons)
        alternatives.append(record("Alternative", runtime=e.rt.slug, name=e.rt.name, zone=e.rt.zone, reasons=reasons,
                                   kinds=e.kinds_of(reasons), deployment=as_record(e.dep) if e.dep else None,
                                   speed=e.speed))
    for e in evals:
        if e.rt.kind == "bridge":
            br = _bridge_reasons(e.rt, rec_eval, wl_eff)
            companions.append(record("Listed", runtime=e.rt.slug, name=e.rt.name, reasons=br, kinds=["rule"] * len(br)))
        elif not e.ok and e is not rec_eval:
            rej = _dedupe(e.rejected)
            rejected.append(record("Listed", runtime=e.rt.slug, name=e.rt.name, reasons=rej, kinds=e.kinds_of(rej)))
    if wl.runtime and rec_eval is None:
        named = next(e for e in evals if e.rt.slug == wl.runtime)
        if named.rt.kind == "bridge":
            warnings.append(f"{named.rt.name} is a front end, not an inference engine: run it on top of a recommended runtime")
        else:
            warnings.append(f"{named.rt.name} cannot serve this workload here: {named.rejected[0]}")

    model_fit = _model_fit(rec_eval, evals, wl_eff)
    if wl_eff.model is not None and (rec_eval is None or (rec_eval.fit and not rec_eval.fit.fits)):
        warnings.extend(_what_would_fit(evals, hw, wl_eff, catalog, rec_eval))
    if rec_eval is None and wl_eff.model is not None and wl_eff.quant_format and relaxed_from is None and not wl.runtime:
        warnings.extend(_other_format(catalog, hw, wl_eff, local))
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
    no_fit = wl_eff.model is not None and (rec_eval is None or (rec_eval.fit is not None and not rec_eval.fit.fits))
    if (wl_eff.model is None and not suggestions) or no_fit:
        from pickrt.engine.suggest import suggest

        suggestions = suggest(rec_eval, evals, hw, dataclasses.replace(wl_eff, model=None), catalog,
                              exclude=wl_eff.model.spec.id if wl_eff.model else None)
    return record("Advice", 
        hardware=profile, workload=wout, recommendation=recommendation, alternatives=alternatives,
        rejected=rejected, companions=companions, model_fit=model_fit, model_suggestions=suggestions,
        warnings=_dedupe(warnings),
    )


def _prefer_published_format(passing: list[Eval], wl: Workload) -> None:
    """A model that ships quantized (DeepSeek-V3 in FP8): where some runtime here serves the published
    weights whole, re-quantizing them to fewer bits is not the pick (size the deployment to the node)."""
    m = wl.model.spec if wl.model is not None else None
    if m is None or not m.native_format or wl.quant_format is not None:
        return
    native = [e for e in passing if e.fit is not None and e.fit.fits and e.fit.quant.format == m.native_format]
    if not native:
        return
    nb = native[0].fit.quant.bpw
    for e in passing:
        f = e.fit
        if f is not None and f.quant.format != m.native_format and f.quant.bpw < nb - 0.5:
            e.score -= REQUANT_PENALTY
            e.reasons.append((0.1, f"re-quantizes {m.id}'s published {m.native_format.upper()} weights to {f.quant.id}, "
                                   f"where {native[0].rt.name} serves them as published"))


def _deploy(e: Eval, catalog: Catalog, hw: HwView, wl: Workload) -> None:
    """The launch for this runtime: its deployment, the fit of that deployment, and its speed."""
    if e.fit is not None and e.backend is not None:
        e.dep, e.fit = deploy.build(catalog, e.rt, hw, wl, e.backend, e.fit)
        d = e.dep
        if d.queued:
            more = ("more GPUs or a shorter context raise that" if d.kv_cache_dtype != "f16"
                    else "more GPUs, a shorter context or an 8-bit KV cache raise that")
            e.warnings.append(f"The KV cache for {wl.users} users x {wl.context} tokens does not fit at once: {e.rt.name} serves "
                              f"{d.max_sequences * d.replicas} at a time and queues the other {d.queued}, whose wait grows with the "
                              f"queue; {more}.")
        if d.rope_scaling and not e.rt.flags.yarn:
            e.warnings.append(next(n for n in d.notes if "YaRN" in n))
    elif e.backend is not None:
        e.dep = _modelless_deployment(e, catalog, hw, wl)
    e.speed = _speed(e, hw, wl)


def _launch_suggested(suggestions: list, evals: list[Eval], catalog: Catalog, hw: HwView, wl: Workload) -> None:
    """No --model: the launch is for the largest suggested model that fits (said in a note); with no
    model that fits the ask, there is nothing to launch (no serve line that loads a model)."""
    from pickrt.engine.workload import ModelRef

    spec = catalog.find_model(suggestions[0].model) if suggestions else None
    for e in evals:
        if e.backend is None:
            continue
        if spec is None:
            if e.dep is not None and e.rt.serve and "{model}" in e.rt.serve:
                e.dep.commands.serve = None
                e.dep.commands.get = []
                e.dep.commands.verify = None
                e.dep.notes.append("no model given and none in the catalog fits this ask here: no launch to print")
            continue
        wl_m = dataclasses.replace(wl, model=ModelRef(spec=spec, label=spec.id), model_arg=spec.id)
        f = best_fit(catalog, e.rt, hw, wl_m, e.backend)
        if f is None or not (f.fits or f.partial or f.offload):
            continue
        e.fit = f
        _deploy(e, catalog, hw, wl_m)
        e.fit = None  # no --model: no memory fit in the advice
        e.dep.notes.insert(0, f"no --model given: launched with {spec.id}, the first model pickrt suggests for this machine")


def _modelless_deployment(e: Eval, catalog: Catalog, hw: HwView, wl: Workload) -> Deployment:
    """No --model: the runtime's usual launch (no checkpoint to size), its bind and commands."""
    from pickrt.engine import commands as cmds
    from pickrt.engine.deployment import Commands

    q = wl.quant_spec.id if wl.quant_spec is not None else (
        catalog.default_quant.get(wl.quant_format) if wl.quant_format else None) or e.rt.default_quant or "bf16"
    d = Deployment(quant=q, checkpoint=None, gpus=min(1, len(hw.gpus)) if hw.gpus else (1 if hw.accel == "apple" else 0),
                   nodes=1, tensor_parallel=1, pipeline_parallel=1, replicas=1, context=wl.context,
                   max_sequences=wl.users if deploy.serves_concurrently(e.rt) else 1, users=wl.users)
    host = cmds.bind_default(e.rt)
    b = e.rt.api.bind
    d.bind = host if host in cmds.ALL_INTERFACES and not (b and b.how in ("flag", "env") and b.option) else "127.0.0.1"
    d.env = cmds.env_for(e.rt, d)
    get, serve, verify = cmds.build(e.rt, d, wl, e.backend not in ("cpu",))
    d.commands = Commands(get=get, serve=serve, verify=verify)
    return d


def _speed(e: Eval, hw: HwView, wl: Workload) -> Optional[Obj]:
    """The speed of ``e``'s deployment as launched (``e.dep`` when the engine built one)."""
    from pickrt.engine.speed import estimate

    if e.fit is None or e.backend is None:
        return None
    est = estimate(e.rt, hw, wl, e.backend, e.fit, e.dep)
    if est is None:
        return None

    def rng(x):
        return list(x) if x else None

    return record(
        "Speed", decode_tps=rng(est.decode_tps), single_stream_tps=rng(est.single_stream_tps),
        aggregate_tps=rng(est.aggregate_tps), prefill_tps=rng(est.prefill_tps),
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
            e.reject("lifecycle", f"{rt.status.state}: superseded by {succ.name if succ else rt.superseded_by}"
                     + (f" ({rt.status.evidence})" if rt.status.evidence else ""))
        pg = platform_gate(rt, hw)
        if pg:
            e.reject("gate", pg)
        backend, why = backend_for(rt, hw)
        if why and not pg:
            e.reject("gate", why)
        e.backend = backend
        qr, qw = quant_gate(rt, hw, wl.quant_format)
        if qr:
            e.reject("gate", qr)
        if qw:
            e.warnings.append(qw)
        if rt.kind == "engine" and wl.users > QUEUE_MAX and not serves_concurrently(rt) and not e.rejected:
            e.rejected.append(f"serves one request at a time: {wl.users} concurrent users would wait in a queue "
                              f"{wl.users - 1} deep")
        if backend and wl.model is not None and not e.rejected:
            allowed = lambda fmt, rt=rt: quant_gate(rt, hw, fmt)[0] is None  # noqa: E731
            e.fit = best_fit(catalog, rt, hw, wl, backend, allowed)
            if e.fit is None:
                e.reject("gate", "loads no quant format pickrt can size")
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
            for r in e.fit_reasons:
                e.reject("fit", r)
        for r in applicable(catalog.rules, sit, e.rt):
            a = r.then
            if a.reject:
                e.reject("lifecycle" if a.reject in ("unmaintained", "archived") else "rule", _reject_text(a.reject, e.rt), first=True)
                continue
            if a.prefer:
                e.score += a.prefer
            if a.reason:
                e.reason("rule", a.prefer or 0.1, a.reason)
            if a.note:
                e.notes.append(a.note)
            if a.warning:
                e.warnings.append(a.warning)
            if a.advice_warning:
                e.advice_warnings.append(a.advice_warning)
        if e.fit is not None:
            if e.fit.partial:
                e.score -= 10
            elif e.fit.offload and e.fit.cpu_moe_layers:
                e.score -= MOE_OFFLOAD_PENALTY
                e.warnings.append(
                    f"{wl.model.label} does not fit in GPU memory: {e.rt.name} keeps the expert tensors of {e.fit.cpu_moe_layers} of "
                    f"{wl.model.spec.layers} MoE layers in system RAM, with attention and the KV cache on the GPU; only the few "
                    "active experts are read per token, so it runs at a fraction of full-GPU speed, far faster than whole-layer offload.")
            elif e.fit.offload:
                e.score -= OFFLOAD_PENALTY
                e.warnings.append(
                    f"{wl.model.label} does not fit in GPU memory: {e.rt.name} would keep "
                    f"{wl.model.spec.layers - (e.fit.gpu_layers or 0)} of {wl.model.spec.layers} layers in system RAM; "
                    "expect it to run several times slower (those layers run on the CPU). A smaller quant or a bigger GPU avoids it.")
            elif e.fit.fits:
                e.reason("fit", 0.05, f"{wl.model.label} fits: {e.fit.required_gb:.1f} of {e.fit.pool.gb:.1f} GiB usable ({e.fit.quant.id})")
        if local and e.ok:
            if e.rt.slug in local.get("running", set()):
                e.score += 8
                e.reason("local", 8, f"{e.rt.name} is already running on this machine")
            elif e.rt.slug in local.get("installed", set()):
                e.score += 5
                e.reason("local", 5, f"{e.rt.name} is already installed on this machine")
        elif local and not e.ok and e.rt.slug in (local.get("installed", set()) | local.get("running", set())):
            e.reject("local", f"{e.rt.name} is installed here, but it is a poor fit: {e.rejected[0]}", first=True)
    return evals, sit


def _reject_text(text: str, rt: Runtime) -> str:
    if text in ("unmaintained", "archived"):
        ev = rt.status.evidence or ""
        if rt.superseded_by:
            return f"{text}: {ev}".strip()
        return f"{text} ({rt.status.state}{', since ' + rt.status.since if rt.status.since else ''}): {ev}".strip()
    return text


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
    from pickrt.engine.commands import endpoint_for, install_lines

    rt = e.rt
    reasons = _dedupe([r for _, r in sorted(e.reasons, key=lambda x: -x[0])] or [rt.summary])
    notes = list(e.dep.notes) if e.dep is not None else []
    port = rt.api.default_port
    if port and e.dep is not None and e.dep.bind == "127.0.0.1" and not any("all interfaces" in n for n in notes):
        notes.append(f"Listens on 127.0.0.1:{port}; keep it on localhost and put a reverse proxy with "
                     "authentication in front before exposing it to a network.")
    notes.extend(n.text for n in rt.operator_notes)
    dep = e.dep
    return record("Recommendation",
        runtime=rt.slug, name=rt.name, zone=rt.zone, reasons=reasons, kinds=e.kinds_of(reasons), operator_notes=_dedupe(notes),
        install=install_lines(rt), serve=dep.commands.serve if dep else None, endpoint=endpoint_for(rt),
        deployment=as_record(dep) if dep else None,
    )


def _within_window(wl: Workload, warnings: list[str]) -> Workload:
    """The model's maximum context is data: above it, serve the maximum and say so."""
    m = wl.model.spec if wl.model is not None else None
    mx = m.max_context if m is not None else None
    if mx and wl.context > mx:
        warnings.append(f"{wl.model.label} handles at most {mx} tokens ({m.id}'s max_context); --context {wl.context} "
                        f"is above it, so the deployment is sized and launched at {mx} tokens per request.")
        return dataclasses.replace(wl, context=mx)
    return wl


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


def _other_format(catalog: Catalog, hw: HwView, wl: Workload, local: Optional[dict]) -> list[str]:
    """The asked format fits nowhere here: would the runtime's usual format (gated as always) fit?"""
    relaxed = dataclasses.replace(wl, quant="any", quant_format=None, quant_spec=None)
    evals, _ = _evaluate(catalog, hw, relaxed, local)
    ok = [e for e in evals if e.ok and e.rt.kind == "engine" and e.fit is not None and (e.fit.fits or e.fit.partial)]
    if not ok:
        return []
    e = max(ok, key=lambda e: (e.fit.fits, e.score))
    f = e.fit
    how = (f"fits ({f.required_gb:.1f} of {f.pool.gb:.1f} GiB)" if f.fits
           else f"serves {f.sequences} of {wl.users} requests at once and queues the rest")
    return [f"In another format it runs here: {wl.model.label} as {f.quant.id} with {e.rt.name} {how}; "
            f"drop --quant {wl.quant} to get that advice."]


def _what_would_fit(evals: list[Eval], hw: HwView, wl: Workload, catalog: Catalog, rec: Optional[Eval] = None) -> list[str]:
    """Concrete changes that would make the model fit, measured against the roomiest runtime."""
    fits = [e for e in evals if e.fit is not None and e.fit.pool.gb and e.rt.kind == "engine"
            and not [r for r in e.rejected if r not in e.fit_reasons]]
    if not fits:
        if wl.model is not None and hw.system_gb is None:
            return ["Memory is unknown for this profile: give --memory GB (and --vram GB for an unknown GPU) to check the fit."]
        return []
    if wl.users > 1:
        fits = [e for e in fits if serves_concurrently(e.rt)] or fits
    best = rec if rec is not None and rec.fit is not None and rec.fit.pool.gb else max(fits, key=lambda e: e.fit.pool.gb - e.fit.required_gb)
    fits = sorted(fits, key=lambda e: e is not best)
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
            if done or q is None or g.fits or q.bpw >= g.quant.bpw or not quant_allowed(e.rt, hw, q.format)[0]:
                continue
            w = weights_gb(ref, q)
            if w + g.kv_gb + g.overhead_gb <= g.pool.gb:
                ideas.append(f"a smaller quant: {q.id} with {e.rt.name} ({w:.1f} GiB of weights) would fit"
                             + (" (below 4 bits quality drops noticeably)" if q.bpw < 4 else ""))
                done = True
    moe = ref.spec.active_params_b and ref.spec.active_params_b < 0.5 * ref.spec.params_b
    if not done and moe:
        # A big MoE on a RAM-heavy box: a low-bit (dynamic) GGUF with the experts in system RAM.
        for qid in ("q4_k_m", "q3_k_m", "iq3_xxs", "iq2_xs", "iq2_xxs", "iq1_m"):
            q = catalog.find_quant(qid)
            for e in fits:
                g = e.fit
                if done or q is None or not e.rt.features.moe_cpu_offload or not g.pool.offload_gb or q.bpw >= g.quant.bpw \
                        or not quant_allowed(e.rt, hw, q.format)[0]:
                    continue
                w = weights_gb(ref, q)
                one = kv_bytes_per_sequence(ref.spec, wl.context) / GIB
                if w + one + g.overhead_gb <= g.pool.gb + g.pool.offload_gb:
                    ideas.append(f"a low-bit quant with the experts in system RAM: {q.id} ({w:.0f} GiB; a dynamic quant such as "
                                 f"Unsloth's UD-{q.id.upper()} keeps key layers at higher precision) with {e.rt.name}"
                                 + (" (below 4 bits quality drops noticeably)" if q.bpw < 4 else ""))
                    done = True
    if hw.system_gb is None and any(e.rt.features.cpu_offload for e in fits) and f.weights_gb + f.overhead_gb > avail:
        ideas.append("offloading layers to system RAM (llama.cpp family): give --memory GB to check how much would fit")
    room = avail - f.weights_gb - f.overhead_gb
    kv8 = best.dep is not None and best.dep.kv_cache_dtype != "f16"
    elem = 1.0 if kv8 else 2.0

    def seq_gb(tokens: int, elem: float = elem) -> float:  # per-layer KV + fixed state: not linear in the context
        return kv_bytes_per_sequence(ref.spec, tokens, elem) / GIB

    if room > 0 and seq_gb(wl.context) > 0 and not kv8 and best.rt.flags.kv_cache_quant and wl.users > 1:
        n16, n8 = int(room / seq_gb(wl.context)), int(room / seq_gb(wl.context, 1.0))
        if n8 > n16:
            ideas.append(f"an 8-bit KV cache ({best.rt.flags.kv_cache_quant}): about {min(n8, wl.users)} sequences fit at once")
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
