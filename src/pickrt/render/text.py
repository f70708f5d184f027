"""Plain-text renderer of the advice (``pickrt`` piped, without --json)."""

from __future__ import annotations

import textwrap

from pickrt.advice import Advice


def _wrap(s: str, indent: str = "    ") -> str:
    return textwrap.fill(s, width=100, initial_indent=indent, subsequent_indent=indent + "  ")


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
        if r.serve:
            out.append(f"  Serve:    {r.serve}")
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
            out.extend(_wrap(f"- {x.name}: {x.reasons[0]}", "  ") for x in rows)
    if a.warnings:
        out.append("\nWarnings:")
        for x in a.warnings:
            out.append(_wrap("! " + x, "  "))
    return "\n".join(out) + "\n"


__all__ = ["render"]
