"""Short human summary of a hardware profile (``pickrt detect`` without ``--json``)."""

from __future__ import annotations

from typing import Optional

from pickrt.profile_plain import GPU, Profile

_OS_NAMES = {"linux": "Linux", "macos": "macOS", "windows": "Windows"}


def _gb(value: Optional[float]) -> str:
    if value is None:
        return "unknown"
    return f"{value:.1f} GiB" if value < 10 else f"{value:.0f} GiB"


def _gpu_line(gpu: GPU) -> str:
    parts = [gpu.name or f"{gpu.vendor} GPU (model unknown)"]
    if gpu.count > 1:
        parts[0] = f"{gpu.count} x {parts[0]}"
    facts = []
    if gpu.vram_gb is not None:
        facts.append(f"{_gb(gpu.vram_gb)} VRAM")
    elif gpu.unified_memory:
        facts.append("shares system memory")
    if gpu.compute_capability:
        facts.append(f"compute {gpu.compute_capability}")
    if gpu.gfx_target:
        facts.append(gpu.gfx_target)
    if gpu.driver:
        facts.append(f"driver {gpu.driver}")
    if gpu.cuda_version:
        facts.append(f"CUDA {gpu.cuda_version}")
    if gpu.mig is not None and gpu.mig.enabled:
        profiles = [i.profile or (f"{i.memory_gb:g} GiB" if i.memory_gb is not None else "?") for i in gpu.mig.instances]
        facts.append(f"MIG: {', '.join(profiles)}" if profiles else "MIG on, no instances")
    return parts[0] + (f" ({', '.join(facts)})" if facts else "")


def render(profile: Profile) -> str:
    """A few lines: OS/arch, CPU, memory (and container limit), GPUs, Apple chip, cluster, and the
    probes that found nothing or failed, with why."""
    lines: list[str] = []
    os_name = _OS_NAMES.get(profile.os or "", profile.os or "unknown OS")
    lines.append(f"System:  {os_name} {profile.arch or ''}".rstrip())

    cpu = profile.cpu
    cpu_bits = [cpu.model or "unknown model"]
    counts = []
    if cpu.cores:
        counts.append(f"{cpu.cores} cores")
    if cpu.threads:
        counts.append(f"{cpu.threads} threads")
    if counts:
        cpu_bits.append(", ".join(counts))
    if cpu.flags:
        cpu_bits.append(" ".join(cpu.flags))
    lines.append("CPU:     " + "; ".join(cpu_bits))

    mem = f"Memory:  {_gb(profile.memory_gb)}"
    if profile.memory_available_gb is not None:
        mem += f" ({_gb(profile.memory_available_gb)} available)"
    if profile.memory_limit_gb is not None:
        mem += f"; container limit {_gb(profile.memory_limit_gb)}"
    lines.append(mem)

    if profile.apple is not None:
        a = profile.apple
        chip = a.chip or "Apple Silicon (chip unknown" + (f", {a.machine_model})" if getattr(a, "machine_model", None) else ")")
        if a.gpu_cores:
            chip += f", {a.gpu_cores}-core GPU"
        extra = []
        if a.memory_gb is not None:
            extra.append(f"{_gb(a.memory_gb)} unified memory")
        if a.gpu_usable_gb is not None:
            extra.append(f"about {_gb(a.gpu_usable_gb)} usable by the GPU")
        if a.rosetta:
            extra.append("this process runs under Rosetta")
        if a.virtual:
            extra.append("virtual machine")
        lines.append(f"Apple:   {chip}" + (f" ({'; '.join(extra)})" if extra else ""))

    if profile.gpus:
        for i, gpu in enumerate(profile.gpus):
            lines.append(("GPUs:    " if i == 0 else "         ") + _gpu_line(gpu))
    elif profile.apple is None:
        lines.append("GPUs:    none found")

    if profile.cluster is not None:
        c = profile.cluster
        total = f", {c.gpus_total} GPUs" if c.gpus_total is not None else ""
        inter = f", {c.interconnect}" if c.interconnect else ""
        lines.append(f"Cluster: {c.source}: {len(c.nodes)} node(s){total}{inter}")
        for node in c.nodes[:8]:
            bits = [node.name or "(unnamed)"]
            if node.cpus:
                bits.append(f"{node.cpus} CPUs")
            if node.memory_gb is not None:
                bits.append(_gb(node.memory_gb))
            bits.extend(_gpu_line(g) for g in node.gpus)
            lines.append("           " + ", ".join(bits))
        if len(c.nodes) > 8:
            lines.append(f"           ... and {len(c.nodes) - 8} more")

    problems = [p for p in profile.probes if p.status in ("timeout", "error")]
    missing = [p for p in profile.probes if p.status == "missing"]
    if problems:
        lines.append("Problems:")
        for p in problems:
            lines.append(f"  {p.name}: {p.status}" + (f" ({p.detail})" if p.detail else ""))
    if missing:
        # group probes that are missing for the same reason ("not in the replay folder", ...)
        groups: dict[str, list[str]] = {}
        for p in missing:
            reason = p.detail or "not available"
            if reason.startswith("no ") and reason.endswith(" in the replay folder"):
                reason = "not in the replay folder"
            groups.setdefault(reason, []).append(p.name)
        lines.append("Not found:")
        for reason, names in groups.items():
            lines.append(f"  {', '.join(names)}: {reason}")
    return "\n".join(lines) + "\n"


__all__ = ["render"]
