"""A hardware profile as a two-column table: what was detected or simulated, unknowns as "unknown"."""

from __future__ import annotations

from collections import Counter
from typing import Optional

from rich.table import Table
from rich.text import Text

from pickrt.render.detect_text import missing_summary

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pickrt.profile import GPU, Profile


def _gb(v: Optional[float]) -> str:
    return "unknown" if v is None else f"{v:.4g} GiB"


def _gpu_line(g: GPU) -> str:
    bits = [g.name or "unknown GPU", _gb(g.vram_gb)]
    if g.compute_capability:
        bits.append(f"cc {g.compute_capability}")
    elif g.gfx_target:
        bits.append(g.gfx_target)
    elif g.vendor == "nvidia":
        bits.append("cc unknown")
    if g.mig and g.mig.enabled:
        slices = ", ".join(i.profile or _gb(i.memory_gb) for i in g.mig.instances) or "no slices"
        bits.append(f"MIG: {slices}")
    if g.unified_memory:
        bits.append("shares system memory")
    return " · ".join(bits)


def _gpus(gpus: list[GPU]) -> list[str]:
    counts: Counter[str] = Counter()
    for g in gpus:
        counts[_gpu_line(g)] += max(1, g.count)
    return [f"{n}× {line}" if n > 1 else line for line, n in counts.items()]


def source_label(profile: Optional[Profile], detected: bool) -> str:
    if profile is None:
        return "unknown"
    if detected:
        return "detected on this machine"
    return "simulated (what-if)" if not profile.probes else "simulated (from a profile file)"


def profile_table(profile: Profile, *, detected: bool = False) -> Table:
    t = Table.grid(padding=(0, 1), expand=True)
    t.add_column(style="bold", no_wrap=True)
    t.add_column(ratio=1, overflow="fold")
    t.add_row("Source", Text(source_label(profile, detected), style="italic"))
    t.add_row("OS", " ".join(x for x in (profile.os, profile.arch) if x) or "unknown")
    c = profile.cpu
    cpu = c.model or "unknown"
    if c.cores or c.threads:
        cpu += f" · {c.cores or '?'} cores / {c.threads or '?'} threads"
    if c.flags:
        cpu += " · " + " ".join(c.flags)
    t.add_row("CPU", cpu)
    mem = _gb(profile.memory_gb)
    if profile.memory_limit_gb is not None:
        mem += f" · container limit {_gb(profile.memory_limit_gb)}"
    elif detected:
        mem += " · no container limit"
    t.add_row("Memory", mem)
    gpus = [g for g in profile.gpus if g.vendor != "apple"]
    lines = _gpus(gpus)
    t.add_row("GPUs" if len(gpus) > 1 else "GPU", "\n".join(lines) if lines else "none")
    if profile.apple is not None:
        a = profile.apple
        bits = [a.chip or "Apple Silicon"]
        if a.gpu_cores:
            bits.append(f"{a.gpu_cores} GPU cores")
        bits.append(f"{_gb(a.memory_gb)} unified")
        bits.append(f"{_gb(a.gpu_usable_gb)} GPU-usable")
        if a.rosetta:
            bits.append("under Rosetta")
        if a.virtual:
            bits.append("virtual machine")
        t.add_row("Apple", " · ".join(bits))
    cl = profile.cluster
    if cl is not None and cl.nodes:
        total = cl.gpus_total if cl.gpus_total is not None else sum(max(1, g.count) for n in cl.nodes for g in n.gpus)
        bits = [f"{len(cl.nodes)} nodes", f"{total} GPUs", cl.interconnect or "interconnect unknown", f"via {cl.source}"]
        t.add_row("Cluster", " · ".join(bits))
    else:
        t.add_row("Cluster", "single machine")
    if profile.probes:
        by: dict[str, list[str]] = {}
        for p in profile.probes:
            by.setdefault(p.status, []).append(p.name)
        out = Text()
        for status, style in (("ok", "green"), ("missing", "yellow"), ("timeout", "red"), ("error", "red")):
            names = by.get(status)
            if not names:
                continue
            if out:
                out.append("\n")
            out.append(f"{status} ({len(names)})", style=f"bold {style}")
            if status == "missing":
                # What a person would expect here, not a list of internal probe ids.
                out.append(": " + "; ".join(missing_summary(profile)))
            elif status != "ok":
                out.append(": " + ", ".join(names))
        t.add_row("Probes", out)
    return t


__all__ = ["profile_table", "source_label"]
