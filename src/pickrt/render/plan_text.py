"""Plain-text renderer of the plan (``pickrt plan MODEL`` without --json). Computes nothing."""

from __future__ import annotations

import textwrap
from typing import Any


def _wrap(s: str, indent: str = "    ") -> str:
    return textwrap.fill(s, width=100, initial_indent=indent, subsequent_indent=indent + "  ")


def _tps(speed: Any) -> str:
    d = getattr(speed, "decode_tps", None) if speed is not None else None
    if not d:
        return "speed unknown"
    return f"~{d[0]:.0f}-{d[1]:.0f} tok/s per user"


def _dep(dep: dict | None) -> str:
    if not dep:
        return ""
    get = dep.get if isinstance(dep, dict) else (lambda k, d=None: getattr(dep, k, d))
    parts = []
    tp, pp = get("tensor_parallel") or 1, get("pipeline_parallel") or 1
    if tp > 1:
        parts.append(f"tensor parallel {tp}")
    if pp > 1:
        parts.append(f"pipeline parallel {pp}")
    if get("max_sequences"):
        parts.append(f"{get('max_sequences')} sequences at {get('context')} tokens")
    return ", ".join(parts)


def concurrency_lines(c: Any) -> list[str]:
    out = [f"Concurrency on {c.hardware} with {c.runtime} (sequences that fit at once):"]
    out.append(_wrap(c.basis, "  "))
    out.append(f"  {'context':>9}  {'KV/seq GiB':>10}  {'f16 KV':>7}  {'q8 KV':>7}")
    for r in c.rows:
        s = "-" if r.sequences is None else str(r.sequences)
        q = "-" if r.sequences_kv_q8 is None else str(r.sequences_kv_q8)
        out.append(f"  {r.context:>9}  {r.kv_gb_per_sequence:>10.2f}  {s:>7}  {q:>7}")
    return out


def render(p: Any) -> str:
    w = p.workload
    out = [f"Plan for {p.model}: {w.traffic}, {w.users} user(s), context {w.context}, quant {w.quant}, goal {w.goal}"
           + (f", at least {w.min_tps:g} tok/s per user" if w.min_tps else "")
           + (f", budget {w.budget}" if w.budget else "")]
    out.append(_wrap(f"Order: cheapest first by {p.order}.", ""))
    if not p.options:
        out.append("\nNo option in the catalog serves this workload.")
    for i, o in enumerate(p.options, 1):
        h, mf = o.hardware, o.model_fit
        out.append(f"\n{i}. {h.label}: {o.runtime}, {mf.quant}, {mf.required_gb:.1f} of {mf.available_gb:.1f} GiB, "
                   f"{_tps(o.speed)}")
        d = _dep(o.deployment)
        if d:
            out.append(_wrap(f"deployment: {d}"))
        for x in o.why[1:]:
            out.append(_wrap("- " + x))
        if h.flags:
            out.append(_wrap("advice: pickrt --model " + p.model + " " + " ".join(
                f'"{f}"' if " " in f else f for f in h.flags)))
    if p.concurrency is not None:
        out.append("")
        out.extend(concurrency_lines(p.concurrency))
    t = p.this_machine
    if t is not None:
        out.append(f"\nThis machine: {t.hardware}: " + ("serves it" if t.serves else "does not serve it"))
        if t.serves and t.model_fit is not None:
            f = t.model_fit
            line = f"with {t.runtime}: {f.required_gb:.1f} of {f.available_gb:.1f} GiB, {_tps(t.speed)}"
            out.append(_wrap(line, "  "))
        for x in t.lacks:
            out.append(_wrap("- lacks " + x, "  "))
        if t.upgrade is not None:
            u = t.upgrade
            out.append(_wrap(f"smallest upgrade: {u.change} ({u.runtime}, {u.model_fit.required_gb:.1f} of "
                             f"{u.model_fit.available_gb:.1f} GiB, {_tps(u.speed)})", "  "))
    if p.warnings:
        out.append("\nNotes:")
        for x in p.warnings:
            out.append(_wrap("! " + x, "  "))
    return "\n".join(out) + "\n"


__all__ = ["concurrency_lines", "render"]
