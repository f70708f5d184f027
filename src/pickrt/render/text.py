"""Plain-text renderer of the advice (``pickrt`` piped, without --json)."""

from __future__ import annotations

import textwrap

from pickrt.advice import Advice


def _wrap(s: str, indent: str = "    ") -> str:
    return textwrap.fill(s, width=100, initial_indent=indent, subsequent_indent=indent + "  ")


def deployment_line(d) -> str:
    """One line: what the deployment launches (quant, checkpoint, split, context, slots, bind)."""
    c = d.checkpoint
    what = None
    if c is not None:
        what = c.tag or (f"{c.repo}/{c.file}" if c.repo and c.file else c.repo or c.file) or "to be made (see Get)"
    parts = [d.quant + (f" from {what}" if what else "")]
    if d.gpus > 1 or d.nodes > 1:
        split = {"tensor": f"tensor parallel {d.tensor_parallel}", "pipeline": f"TP {d.tensor_parallel} x PP {d.pipeline_parallel}",
                 "layers": "split by layers"}.get(d.split_by or "", "")
        parts.append(f"{d.gpus} GPUs" + (f" on {d.nodes} nodes" if d.nodes > 1 else "") + (f" ({split})" if split else ""))
    elif d.gpus == 1:
        parts.append("1 GPU")
    else:
        parts.append("CPU")
    if d.replicas > 1:
        parts.append(f"{d.replicas} replicas")
    parts.append(f"{d.context} tokens" + (f" (YaRN x{d.rope_scaling['factor']:g})" if d.rope_scaling else ""))
    parts.append(f"{d.max_sequences} at once")
    if d.placement.cpu_moe_layers:
        parts.append(f"experts of {d.placement.cpu_moe_layers} layers in RAM")
    elif d.placement.gpu_layers is not None:
        parts.append(f"{d.placement.gpu_layers} of {d.placement.layers} layers on the GPU")
    if d.kv_cache_dtype != "f16":
        parts.append(f"KV {d.kv_cache_dtype}")
    if d.bind:
        parts.append(f"bound to {d.bind}")
    return ", ".join(parts)


def render(a: Advice) -> str:
    out: list[str] = []
    w = a.workload
    out.append(f"Workload: {w.traffic}, {w.users} user(s), model {w.model or '(none given)'}, quant {w.quant}, "
               f"context {w.context}, goal {w.goal}" + (f", needs {', '.join(w.needs)}" if w.needs else ""))
    r = a.recommendation
    if r is None:
        out.append("\nNo runtime can serve this workload on this hardware.")
    else:
        out.append(f"\nRecommended: {r.name} ({r.runtime}), zone {r.zone}")
        for x in r.reasons:
            out.append(_wrap("- " + x))
        if r.speed and r.speed.decode_tps:
            lo, hi = r.speed.decode_tps
            out.append(_wrap(f"- speed: about {lo:.0f}-{hi:.0f} tokens/s per user"))
        if r.endpoint:
            out.append(f"  Endpoint: {r.endpoint}")
        d = r.deployment
        if d is not None:
            out.append(f"  Deploy:   {deployment_line(d)}")
            for g in d.commands.get:
                out.append(f"  Get:      {g}")
        if r.serve:
            out.append(f"  Serve:    {r.serve}")
        if d is not None and d.commands.verify:
            out.append(f"  Verify:   {d.commands.verify}")
        if r.operator_notes:
            out.append("  Operator notes:")
            for n in r.operator_notes[:6]:
                out.append(_wrap("- " + n))
    if a.model_fit:
        f = a.model_fit
        state = "fits" if f.fits else ("fits only with CPU offload" if f.offload else "does not fit")
        out.append(f"\nMemory: {state}: {f.required_gb:.1f} GiB needed, {f.available_gb:.1f} GiB usable ({f.quant})")
        out.append(_wrap(f.detail, "  "))
    if a.model_suggestions:
        out.append("\nModels that fit:")
        for s in a.model_suggestions[:6]:
            spd = f", ~{s.decode_tps[0]:.0f}-{s.decode_tps[1]:.0f} tok/s" if s.decode_tps else ""
            out.append(f"  - {s.model} ({s.quant}): {s.required_gb:.1f} GiB{spd}")
    for title, rows in (("Alternatives", a.alternatives), ("Companions", a.companions), ("Why not", a.rejected)):
        if rows:
            out.append(f"\n{title}:")
            for x in rows:
                first = x.reasons[0]
                out.append(_wrap(f"- {first}" if first.startswith(x.name + ":") else f"- {x.name}: {first}", "  "))
    if a.warnings:
        out.append("\nWarnings:")
        for x in a.warnings:
            out.append(_wrap("! " + x, "  "))
    return "\n".join(out) + "\n"


__all__ = ["deployment_line", "render"]
