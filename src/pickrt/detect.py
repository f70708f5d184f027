"""Build a hardware :class:`~pickrt.profile.Profile` from probe results (live or replayed).

Data flows probe output -> pure parser -> profile. ``build_profile`` is itself pure: it reads only
the ``ProbeResult`` texts it is given (a replay folder gives the same profile on any machine).

Precedence, richest source first; later sources only fill gaps, and the same GPU reported by
several forms of one tool is one entry:

- NVIDIA: ``nvml`` > ``nvidia-smi-q-x`` > ``nvidia-smi-q`` > ``nvidia-smi-query`` > ``nvidia-smi``
  (table) > ``nvidia-smi-L``; a Jetson's ``nv_tegra_release`` adds its iGPU unless nvidia-smi
  already listed it.
- AMD: ``amd-smi-static`` > ``rocm-smi-json`` > ``rocm-smi``. Intel: ``xpu-smi-discovery`` >
  ``sycl-ls``. Windows adapters (``wmic-videocontroller`` > ``cim-videocontroller``) only add
  vendors no vendor tool reported.
- Apple Silicon facts go to ``profile.apple`` (not ``gpus``): ``system_profiler`` > ``sysctl``.
- Cluster: ``ray-status`` > ``scontrol-show-node`` > ``sinfo`` > ``kubectl-nodes`` (the first that
  lists nodes).
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Mapping, Optional

from pickrt.probes.runner import ProbeResult
from pickrt.profile_plain import CPU, GPU, Apple, Cluster, Mig, MigInstance, Probe, Profile
from pickrt.unified import wired_limit_gb

GIB = float(2**30)

NVIDIA_ORDER = ("nvml", "nvidia-smi-q-x", "nvidia-smi-q", "nvidia-smi-query", "nvidia-smi", "nvidia-smi-L")
AMD_ORDER = ("amd-smi-static", "rocm-smi-json", "rocm-smi")
INTEL_ORDER = ("xpu-smi-discovery", "sycl-ls")
WINDOWS_ORDER = ("wmic-videocontroller", "cim-videocontroller")
CLUSTER_ORDER = ("ray-status", "scontrol-show-node", "sinfo", "kubectl-nodes")


def _any_text(results: Mapping[str, ProbeResult], names: tuple[str, ...]) -> bool:
    return any(_text(results, n) is not None for n in names)


class _Notes:
    """Per-probe remarks that end up in ``Probe.detail``."""

    def __init__(self) -> None:
        self.notes: dict[str, list[str]] = {}

    def add(self, name: str, note: str) -> None:
        self.notes.setdefault(name, []).append(note)


def _text(results: Mapping[str, ProbeResult], name: str) -> Optional[str]:
    res = results.get(name)
    if res is None or res.status != "ok":
        return None
    return res.text or ""


def _gib(n_bytes: Optional[float]) -> Optional[float]:
    return round(n_bytes / GIB, 2) if n_bytes is not None and n_bytes > 0 else None


def _safe(fn: Callable[..., Any], *args: Any, default: Any = None) -> Any:
    """Call a parser; a parser bug must not stop detection."""
    try:
        return fn(*args)
    except Exception:
        return default


# ---------------------------------------------------------------------------------------------
# GPU merging
# ---------------------------------------------------------------------------------------------

def _norm_name(name: Optional[str]) -> str:
    n = (name or "").lower().replace("nvidia", "").replace("amd", "")
    return re.sub(r"[^a-z0-9]", "", n)


def _same_device(a: GPU, b: GPU) -> bool:
    if a.vendor != b.vendor:
        return False
    na, nb = _norm_name(a.name), _norm_name(b.name)
    if not na or not nb:
        return True
    return na.startswith(nb) or nb.startswith(na)


_PROFILE_GB = re.compile(r"(\d+)g\.(\d+)gb", re.IGNORECASE)


def _fill_mig(base: Optional[Mig], other: Optional[Mig]) -> Optional[Mig]:
    if base is None:
        return other.model_copy(deep=True) if other is not None else None
    if other is None or len(other.instances) != len(base.instances) or not base.instances:
        if other is not None and not base.instances and other.instances:
            return Mig(enabled=base.enabled, instances=[i.model_copy() for i in other.instances])
        return base
    merged: list[MigInstance] = []
    for mine, theirs in zip(base.instances, other.instances):
        profile = mine.profile or theirs.profile
        memory = mine.memory_gb if mine.memory_gb is not None else theirs.memory_gb
        m = _PROFILE_GB.search(profile or "")
        if m and memory is not None and not (0.75 * int(m.group(2)) <= memory <= 1.1 * int(m.group(2))):
            return base  # the two listings are not in the same order: keep the richer one as is
        merged.append(MigInstance(profile=profile, memory_gb=memory))
    return Mig(enabled=base.enabled, instances=merged)


def _fill(base: GPU, other: GPU) -> GPU:
    data = base.model_dump()
    for key, value in other.model_dump().items():
        if key in ("vendor", "count", "mig"):
            continue
        if data.get(key) is None and value is not None:
            data[key] = value
    merged = GPU.model_validate(data)
    merged.mig = _fill_mig(base.mig, other.mig)
    return merged


def merge_gpu_lists(sources: list[tuple[str, list[GPU]]], notes: Optional[_Notes] = None) -> tuple[list[GPU], Optional[str]]:
    """Merge per-source GPU lists (richest first) into one list; returns (gpus, base source name).

    The first non-empty list fixes the devices; a later list of the same length whose names agree
    position by position fills the gaps (compute capability, driver, MIG profiles...). A list that
    disagrees is left out and noted.
    """
    base_name: Optional[str] = None
    merged: list[GPU] = []
    for name, gpus in sources:
        if not gpus:
            continue
        if base_name is None:
            base_name, merged = name, [g.model_copy(deep=True) for g in gpus]
            continue
        if len(gpus) != len(merged) or not all(_same_device(a, b) for a, b in zip(merged, gpus)):
            if notes is not None:
                notes.add(name, f"not merged: {len(gpus)} GPU(s) that do not match {base_name}'s {len(merged)}")
            continue
        merged = [_fill(a, b) for a, b in zip(merged, gpus)]
    return merged, base_name


# ---------------------------------------------------------------------------------------------
# NVIDIA
# ---------------------------------------------------------------------------------------------

def parse_nvml_json(text: str) -> list[GPU]:
    """The ``nvml`` probe's JSON (see ``probes.host.probe_nvml``) -> GPUs. Never raises."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError):
        return []
    if not isinstance(data, dict) or not isinstance(data.get("devices"), list):
        return []
    driver = data.get("driver") if isinstance(data.get("driver"), str) else None
    cuda = data.get("cuda_driver_version")
    cuda_version = f"{cuda // 1000}.{(cuda % 1000) // 10}" if isinstance(cuda, int) and cuda > 0 else None
    gpus: list[GPU] = []
    for dev in data["devices"]:
        if not isinstance(dev, dict):
            continue
        cc = dev.get("compute_capability")
        cc_text = f"{cc[0]}.{cc[1]}" if isinstance(cc, list) and len(cc) == 2 else None
        mig = None
        if dev.get("mig_current"):
            instances = []
            for inst in dev.get("mig_instances") or []:
                if not isinstance(inst, dict):
                    continue
                m = _PROFILE_GB.search(str(inst.get("name") or ""))
                mem = inst.get("memory_total")
                instances.append(MigInstance(profile=m.group(0) if m else None,
                                             memory_gb=_gib(mem) if isinstance(mem, (int, float)) else None))
            mig = Mig(enabled=True, instances=instances)
        mem = dev.get("memory_total")
        name = dev.get("name") if isinstance(dev.get("name"), str) else None
        gpus.append(GPU(
            vendor="nvidia", name=name,
            vram_gb=_gib(mem) if isinstance(mem, (int, float)) else None,
            compute_capability=cc_text, driver=driver, cuda_version=cuda_version, mig=mig,
            unified_memory=True if name and "nvgpu" in name.lower() else None,
        ))
    return gpus


_UUID = {
    "nvml": None,
    "nvidia-smi-q-x": re.compile(r"<uuid>\s*(GPU-[0-9A-Fa-f-]+)\s*</uuid>"),
    "nvidia-smi-q": re.compile(r"^\s*GPU UUID\s*:\s*(GPU-[0-9A-Fa-f-]+)", re.MULTILINE),
    "nvidia-smi-query": re.compile(r"\b(GPU-[0-9A-Fa-f]{8}-[0-9A-Fa-f-]+)"),
    "nvidia-smi-L": re.compile(r"^GPU \d+:.*\(UUID:\s*(GPU-[0-9A-Fa-f-]+)\)", re.MULTILINE),
}


def _uuids(name: str, text: str) -> list[str]:
    if name == "nvml":
        try:
            devs = json.loads(text).get("devices") or []
            return [d.get("uuid") or "" for d in devs if isinstance(d, dict)]
        except (ValueError, AttributeError, TypeError):
            return []
    pattern = _UUID.get(name)
    if pattern is None:
        return []
    out: list[str] = []
    for u in pattern.findall(text):
        if u not in out:
            out.append(u)
    return out


def apply_cuda_visible_devices(gpus: list[GPU], uuids: list[str], value: str) -> tuple[list[GPU], str]:
    """Keep the NVIDIA GPUs that ``CUDA_VISIBLE_DEVICES=value`` lets a CUDA process see, in its order.

    Entries are indices or (prefixes of) ``GPU-`` UUIDs; like CUDA, the list stops at the first
    entry that names no device; an empty value (or ``-1``) hides every GPU. MIG UUIDs cannot be
    applied to whole GPUs: then nothing is filtered and the note says so.
    """
    entries = [e.strip() for e in value.split(",")] if value.strip() else []
    chosen: list[int] = []
    for entry in entries:
        if not entry:
            break
        if entry.upper().startswith("MIG-"):
            return gpus, f"CUDA_VISIBLE_DEVICES={value!r} names MIG devices: all {len(gpus)} GPU(s) kept"
        idx: Optional[int] = None
        if re.fullmatch(r"\d+", entry):
            idx = int(entry)
            if idx >= len(gpus):
                idx = None
        elif entry.upper().startswith("GPU-"):
            if len(uuids) != len(gpus):
                return gpus, f"CUDA_VISIBLE_DEVICES={value!r} uses UUIDs, which no probe reported: all GPUs kept"
            matches = [i for i, u in enumerate(uuids) if u and u.lower().startswith(entry.lower())]
            idx = matches[0] if len(matches) == 1 else None
        if idx is None:
            break
        if idx not in chosen:
            chosen.append(idx)
    kept = [gpus[i] for i in chosen]
    return kept, f"CUDA_VISIBLE_DEVICES={value!r}: {len(kept)} of {len(gpus)} NVIDIA GPU(s) visible"


def _nvidia(results: Mapping[str, ProbeResult], notes: _Notes) -> list[GPU]:
    if not _any_text(results, NVIDIA_ORDER):
        return []  # nothing answered: do not even import the parsers
    from pickrt.parse import nvidia_smi as smi

    parsers: dict[str, Callable[[str], list[GPU]]] = {
        "nvml": parse_nvml_json,
        "nvidia-smi-q-x": smi.parse_xml,
        "nvidia-smi-q": smi.parse_q,
        "nvidia-smi-query": smi.parse_csv,
        "nvidia-smi": smi.parse_table,
        "nvidia-smi-L": smi.parse_list,
    }
    sources: list[tuple[str, list[GPU]]] = []
    texts: dict[str, str] = {}
    for name in NVIDIA_ORDER:
        text = _text(results, name)
        if text is None:
            continue
        texts[name] = text
        gpus = _safe(parsers[name], text, default=[]) or []
        sources.append((name, gpus))
        notes.add(name, f"{len(gpus)} GPU(s)" if gpus else "no GPUs")
    gpus, base = merge_gpu_lists(sources, notes)

    cvd = _text(results, "cuda-visible-devices")
    if cvd is not None and gpus:
        uuids: list[str] = []
        for name in NVIDIA_ORDER:
            if name in texts:
                found = _uuids(name, texts[name])
                if len(found) == len(gpus):
                    uuids = found
                    break
        gpus, note = apply_cuda_visible_devices(gpus, uuids, cvd)
        notes.add(base or "cuda-visible-devices", note)
        if base:
            notes.add("cuda-visible-devices", note)
    return gpus


def _jetson(results: Mapping[str, ProbeResult], nvidia: list[GPU], notes: _Notes) -> list[GPU]:
    text = _text(results, "nv_tegra_release")
    if text is None:
        return []
    from pickrt.parse import jetson

    info = _safe(jetson.parse_nv_tegra_release, text)
    if not info:
        notes.add("nv_tegra_release", "not an L4T release file")
        return []
    gpu = _safe(jetson.jetson_gpu, info)
    if gpu is None:
        return []
    if any(g.unified_memory for g in nvidia):
        notes.add("nv_tegra_release", "Jetson iGPU already listed by nvidia-smi")
        return []
    notes.add("nv_tegra_release", f"Jetson, L4T {info.get('l4t_version') or '?'}")
    return [gpu]


def _amd(results: Mapping[str, ProbeResult], notes: _Notes) -> list[GPU]:
    if not _any_text(results, AMD_ORDER):
        return []  # nothing answered: do not even import the parsers
    from pickrt.parse import amd_smi, rocm_smi

    parsers: dict[str, Callable[[str], list[GPU]]] = {
        "amd-smi-static": amd_smi.parse_static,
        "rocm-smi-json": rocm_smi.parse_json,
        "rocm-smi": rocm_smi.parse_text,
    }
    return _vendor_sources(results, AMD_ORDER, parsers, notes, vendor="amd")


def _intel(results: Mapping[str, ProbeResult], notes: _Notes) -> list[GPU]:
    if not _any_text(results, INTEL_ORDER):
        return []  # nothing answered: do not even import the parsers
    from pickrt.parse import intel_gpu

    parsers: dict[str, Callable[[str], list[GPU]]] = {
        "xpu-smi-discovery": intel_gpu.parse_xpu_smi_discovery,
        "sycl-ls": intel_gpu.parse_sycl_ls,
    }
    return _vendor_sources(results, INTEL_ORDER, parsers, notes, vendor="intel")


def _vendor_sources(results: Mapping[str, ProbeResult], order: tuple[str, ...],
                    parsers: dict[str, Callable[[str], list[GPU]]], notes: _Notes, vendor: str) -> list[GPU]:
    sources: list[tuple[str, list[GPU]]] = []
    for name in order:
        text = _text(results, name)
        if text is None:
            continue
        gpus = [g for g in (_safe(parsers[name], text, default=[]) or []) if g.vendor == vendor]
        notes.add(name, f"{len(gpus)} GPU(s)" if gpus else "no GPUs")
        sources.append((name, gpus))
    gpus, _ = merge_gpu_lists(sources, notes)
    return gpus


def _windows(results: Mapping[str, ProbeResult], known_vendors: set[str], notes: _Notes) -> list[GPU]:
    if not _any_text(results, WINDOWS_ORDER):
        return []  # nothing answered: do not even import the parsers
    from pickrt.parse import windows_gpu

    parsers = {"wmic-videocontroller": windows_gpu.parse_wmic_video,
               "cim-videocontroller": windows_gpu.parse_cim_adapter}
    for name in WINDOWS_ORDER:
        text = _text(results, name)
        if text is None:
            continue
        gpus = _safe(parsers[name], text, default=[]) or []
        if not gpus:
            notes.add(name, "no adapters")
            continue
        kept = [g for g in gpus if g.vendor not in known_vendors]
        dropped = len(gpus) - len(kept)
        notes.add(name, f"{len(kept)} adapter(s)" + (f"; {dropped} already known from a vendor tool" if dropped else ""))
        return kept
    return []


# ---------------------------------------------------------------------------------------------
# host facts
# ---------------------------------------------------------------------------------------------

def _os_arch(results: Mapping[str, ProbeResult]) -> tuple[Optional[str], Optional[str]]:
    from pickrt.parse import uname

    os_name, arch = (None, None)
    text = _text(results, "uname")
    if text is not None:
        os_name, arch = uname.parse(text)
    if os_name is None:
        if any(_text(results, n) is not None for n in ("sysctl", "sw_vers", "system_profiler-SPHardwareDataType")):
            os_name = "macos"
        elif any(_text(results, n) is not None for n in ("proc-cpuinfo", "proc-meminfo", "lscpu")):
            os_name = "linux"
        elif any(_text(results, n) is not None for n in ("wmic-cpu", "wmic-memory") + WINDOWS_ORDER):
            os_name = "windows"
    return os_name, arch


def _merge_cpu(first: CPU, second: CPU, prefer_topology_from_second: bool = True) -> CPU:
    cores = second.cores if prefer_topology_from_second and second.cores else first.cores or second.cores
    threads = second.threads if prefer_topology_from_second and second.threads else first.threads or second.threads
    flags = list(first.flags) + [f for f in second.flags if f not in first.flags]
    from pickrt.parse.proc_cpuinfo import notable_flags

    return CPU(model=first.model or second.model, cores=cores, threads=threads, flags=notable_flags(flags))


def _cpu_linux(results: Mapping[str, ProbeResult]) -> CPU:
    from pickrt.parse import lscpu, proc_cpuinfo

    cpu = CPU()
    text = _text(results, "proc-cpuinfo")
    if text is not None:
        cpu = _safe(proc_cpuinfo.parse, text, default=CPU())
    text = _text(results, "lscpu")
    if text is not None:
        # lscpu counts online CPUs and knows sockets: its topology wins; cpuinfo names the model
        cpu = _merge_cpu(cpu, _safe(lscpu.parse, text, default=CPU()))
    return cpu


def _memory_linux(results: Mapping[str, ProbeResult]) -> tuple[Optional[float], Optional[float]]:
    from pickrt.parse import meminfo

    text = _text(results, "proc-meminfo")
    if text is None:
        return None, None
    return _safe(meminfo.parse_proc_meminfo, text, default=(None, None))


def _memory_limit(results: Mapping[str, ProbeResult], memory_gb: Optional[float], notes: _Notes) -> Optional[float]:
    from pickrt.parse import cgroup

    for name, parser in (("cgroup-memory.max", cgroup.parse_memory_max),
                         ("cgroup-memory.limit_in_bytes", cgroup.parse_limit_in_bytes)):
        text = _text(results, name)
        if text is None:
            continue
        limit = _safe(parser, text)
        if limit is None:
            notes.add(name, _safe(cgroup.describe, text, default="no limit"))
            continue
        limit_gb = round(limit / GIB, 2)
        if memory_gb is not None and limit_gb >= memory_gb:
            notes.add(name, f"{limit_gb:g} GiB limit, not below the {memory_gb:g} GiB of RAM: no effective limit")
            return None
        notes.add(name, f"{limit_gb:g} GiB limit")
        return limit_gb
    return None


def _mac(results: Mapping[str, ProbeResult], arch: Optional[str], notes: _Notes) -> dict[str, Any]:
    """CPU, memory and Apple facts from sysctl + system_profiler."""
    from pickrt.parse import sysctl, system_profiler

    d: dict[str, str] = {}
    text = _text(results, "sysctl")
    if text is not None:
        d = _safe(sysctl.parse, text, default={}) or {}
    facts = _safe(sysctl.apple_facts, d, default={}) or {}
    hw: dict[str, Any] = {}
    text = _text(results, "system_profiler-SPHardwareDataType")
    if text is not None:
        hw = _safe(system_profiler.parse_hardware, text, default={}) or {}
    displays: list[dict[str, Any]] = []
    text = _text(results, "system_profiler-SPDisplaysDataType")
    if text is not None:
        displays = _safe(system_profiler.parse_displays, text, default=[]) or []

    cpu = _safe(sysctl.cpu, d, default=CPU()) if d else CPU()
    if cpu.model is None and hw.get("chip"):
        cpu.model = hw["chip"]
    if cpu.model is None and hw.get("cpu_type"):
        cpu.model = hw["cpu_type"]
    if cpu.cores is None and hw.get("cores"):
        cpu.cores = hw["cores"]

    memory_gb = _gib(facts.get("memory_bytes")) or hw.get("memory_gb")

    apple_gpu = next((g for g in displays if g.get("vendor") == "apple" and not g.get("paravirtual")), None)
    chip = hw.get("chip") or facts.get("chip")
    if chip is None and apple_gpu and (apple_gpu.get("name") or "").startswith("Apple M"):
        chip = apple_gpu["name"]
    silicon = bool(facts.get("arm64") or facts.get("rosetta") or (chip and chip.startswith("Apple M"))
                   or (apple_gpu and apple_gpu.get("cores")))
    virtual = bool(facts.get("virtual") or hw.get("virtual") or any(g.get("paravirtual") for g in displays))
    rosetta = bool(facts.get("rosetta") or (facts.get("arm64") and arch == "x86_64"))

    if rosetta and cpu.model and cpu.model.lower().startswith("virtualapple"):
        cpu.model = chip  # Rosetta's made-up brand string is not the CPU's name
    apple = None
    if silicon:
        apple = Apple(
            chip=chip,
            gpu_cores=apple_gpu.get("cores") if apple_gpu else None,
            memory_gb=memory_gb,
            gpu_usable_gb=wired_limit_gb(facts.get("wired_limit_mb")),  # live limit only; the default share is catalog data
            rosetta=rosetta,
            virtual=virtual,
            machine_model=hw.get("machine_model") or facts.get("model"),
        )
        if rosetta:
            notes.add("sysctl", "running under Rosetta 2 (x86_64 translation on Apple Silicon)")
        if virtual:
            notes.add("sysctl" if d else "system_profiler-SPHardwareDataType", "macOS virtual machine")
    elif virtual:
        notes.add("system_profiler-SPDisplaysDataType" if displays else "sysctl", "macOS virtual machine (no real GPU)")

    # Intel Macs: discrete/integrated GPUs from SPDisplays (never the paravirtual adapter)
    gpus: list[GPU] = []
    if not silicon:
        for g in displays:
            if g.get("paravirtual") or g.get("vendor") in (None, "apple"):
                continue
            shared = bool(g.get("shared_vram"))
            gpus.append(GPU(vendor=g["vendor"], name=g.get("name"),
                            vram_gb=None if shared else g.get("vram_gb"),
                            unified_memory=True if shared else None))
    return {"cpu": cpu, "memory_gb": memory_gb, "apple": apple, "silicon": silicon, "gpus": gpus}


def _windows_host(results: Mapping[str, ProbeResult]) -> tuple[CPU, Optional[float]]:
    from pickrt.parse import meminfo, proc_cpuinfo

    cpu = CPU()
    text = _text(results, "wmic-cpu")
    if text is not None:
        cpu = _safe(proc_cpuinfo.parse_wmic_cpu, text, default=CPU())
    mem = None
    text = _text(results, "wmic-memory")
    if text is not None:
        mem = _safe(meminfo.parse_wmic_memory, text)
    return cpu, mem


def _cluster(results: Mapping[str, ProbeResult], notes: _Notes) -> Optional[Cluster]:
    if not _any_text(results, CLUSTER_ORDER):
        return None  # nothing answered: do not even import the parsers
    from pickrt.parse import kubectl, ray, slurm

    order: list[tuple[str, Callable[[str], Cluster]]] = [
        ("ray-status", ray.parse_status),
        ("scontrol-show-node", slurm.parse_scontrol_nodes),
        ("sinfo", slurm.parse_sinfo),
        ("kubectl-nodes", kubectl.parse_nodes),
    ]
    chosen: Optional[Cluster] = None
    for name, parser in order:
        text = _text(results, name)
        if text is None:
            continue
        cluster = _safe(parser, text)
        if cluster is None or not cluster.nodes:
            notes.add(name, "no nodes")
            continue
        summary = f"{len(cluster.nodes)} node(s), {cluster.gpus_total if cluster.gpus_total is not None else '?'} GPU(s)"
        if chosen is None:
            chosen = cluster
            notes.add(name, summary)
        else:
            notes.add(name, f"{summary}; not used ({chosen.source} answered first)")
    return chosen


# ---------------------------------------------------------------------------------------------
# the profile
# ---------------------------------------------------------------------------------------------

def build_profile(results: Mapping[str, ProbeResult]) -> Profile:
    """Probe results -> Profile. Pure and total: odd or missing inputs give ``None`` fields."""
    notes = _Notes()
    os_name, arch = _os_arch(results)

    cpu = CPU()
    memory_gb: Optional[float] = None
    memory_available_gb: Optional[float] = None
    apple: Optional[Apple] = None
    extra_gpus: list[GPU] = []

    if os_name == "macos":
        mac = _mac(results, arch, notes)
        cpu, memory_gb, apple, extra_gpus = mac["cpu"], mac["memory_gb"], mac["apple"], mac["gpus"]
        if mac["silicon"]:
            arch = "arm64"  # the machine's architecture, also when this process runs under Rosetta
    elif os_name == "windows":
        cpu, memory_gb = _windows_host(results)
    else:
        cpu = _cpu_linux(results)
        memory_gb, memory_available_gb = _memory_linux(results)

    memory_limit_gb = _memory_limit(results, memory_gb, notes) if os_name in (None, "linux") else None

    nvidia = _nvidia(results, notes)
    gpus: list[GPU] = list(nvidia)
    gpus += _jetson(results, nvidia, notes)
    gpus += _amd(results, notes)
    gpus += _intel(results, notes)
    gpus += extra_gpus
    gpus += _windows(results, {g.vendor for g in gpus}, notes)

    cluster = _cluster(results, notes)

    from pickrt.bounds import clamp_detected, clamp_sizes

    gpus, cluster = clamp_detected(gpus, cluster, notes.add)
    probes: list[Probe] = []
    for name, res in results.items():
        status = res.status if res.status in ("ok", "missing", "timeout", "error") else "error"
        parts = [p for p in ([res.detail] if res.detail else []) + notes.notes.get(name, []) if p]
        # replayed files carry "replayed <file>": keep it short
        detail = "; ".join(dict.fromkeys(str(p) for p in parts))[:MAX_DETAIL] or None
        probes.append(Probe(name=name, status=status, detail=detail))  # type: ignore[arg-type]

    return clamp_sizes(Profile(
        os=os_name,  # type: ignore[arg-type]
        arch=arch,
        cpu=cpu,
        memory_gb=memory_gb,
        memory_available_gb=memory_available_gb,
        memory_limit_gb=memory_limit_gb,
        gpus=gpus,
        apple=apple,
        cluster=cluster,
        probes=probes,
    ))


MAX_DETAIL = 2000
"""Characters of one probe's detail in a profile (pickrt.bounds.MAX_DETAIL is the file bound)."""


def collect_host(timeout: float = 2.0, cluster: bool = False) -> dict[str, ProbeResult]:
    """Run this machine's probes (see ``probes.host.collect``); for ``--record``."""
    from pickrt.probes.host import collect

    return collect(timeout=timeout, cluster=cluster)


def detect_host(timeout: float = 2.0, cluster: bool = False) -> Profile:
    """Probe this machine (all probes concurrently, about ``timeout`` s at most) and build its profile.

    Cluster tools, which contact other machines, run only with ``cluster``."""
    from pickrt.probes.host import collect

    return build_profile(collect(timeout=timeout, cluster=cluster))


def detect_replay(path: str) -> Profile:
    """Build the profile of a machine recorded with ``--record`` (see ``probes.replay``)."""
    from pickrt.probes.replay import load_dir

    return build_profile(load_dir(path))


__all__ = ["apply_cuda_visible_devices", "build_profile", "collect_host", "detect_host", "detect_replay",
           "merge_gpu_lists", "parse_nvml_json"]
