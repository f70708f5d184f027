"""From a hardware profile to what the engine reasons about (``HwView``), and what-if profiles.

Detection reports what tools printed; here each GPU is matched to the catalog for the facts the
tools do not print (bandwidth, FP8/FP4 support, class), and the machine is summed up: which
accelerator family, how much memory each kind of runtime can use, how many nodes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from pickrt.catalog import Catalog
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pickrt.catalog.models import GpuSpec
from pickrt.errors import InputError
from pickrt.records import effective_memory_gb, record
from pickrt.unified import apple_gpu_usable_gb

GIB = 1024**3
_MAX_PER_ENTRY = 64  # pickrt.bounds.MAX_GPUS_PER_NODE (not imported on the hot path)


@dataclass
class GpuView:
    name: str
    vendor: str
    vram_gb: Optional[float]
    cc: Optional[str]
    spec: Optional[GpuSpec]
    unified: bool = False
    gfx_target: Optional[str] = None

    @property
    def gfx(self) -> Optional[str]:
        """The ROCm gfx target: as the tool printed it, else the catalog's."""
        return self.gfx_target or (self.spec.gfx if self.spec else None)

    @property
    def cc_tuple(self) -> Optional[tuple[int, int]]:
        return _cc(self.cc)

    @property
    def bandwidth(self) -> Optional[float]:
        return self.spec.memory_bandwidth_gbs if self.spec else None

    @property
    def cls(self) -> Optional[str]:
        return self.spec.cls if self.spec else None


@dataclass
class HwView:
    profile: Profile
    os: Optional[str]
    arch: Optional[str]
    accel: str  # nvidia | amd | intel | apple | cpu
    gpus: list[GpuView] = field(default_factory=list)
    nodes: int = 1
    interconnect: Optional[str] = None
    system_gb: Optional[float] = None
    apple_usable_gb: Optional[float] = None
    apple_chip: Optional[str] = None
    apple_bandwidth: Optional[float] = None
    apple_tb5: bool = False
    rosetta: bool = False
    classes: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        if self.accel == "apple":
            chip = self.apple_chip or "Apple Silicon"
            return chip if chip.startswith("Apple") else f"Apple {chip}"
        if self.gpus:
            names = {g.name for g in self.gpus}
            n = len(self.gpus)
            base = next(iter(names)) if len(names) == 1 else " + ".join(sorted(names))
            return f"{n}x {base}" if n > 1 and len(names) == 1 else base
        return "CPU only"

    @property
    def min_cc(self) -> Optional[tuple[int, int]]:
        if "_min_cc" not in self.__dict__:
            ccs = [g.cc_tuple for g in self.gpus if g.cc_tuple]
            self.__dict__["_min_cc"] = min(ccs) if ccs else None
        return self.__dict__["_min_cc"]

    @property
    def vram_list(self) -> list[Optional[float]]:
        return [g.vram_gb for g in self.gpus]

    @property
    def unified(self) -> bool:
        return self.accel == "apple" or any(g.unified for g in self.gpus)


def _cc(s: Optional[str]) -> Optional[tuple[int, int]]:
    if not s:
        return None
    try:
        a, _, b = str(s).partition(".")
        return int(a), int(b or 0)
    except ValueError:
        return None


def view(profile: Profile, catalog: Catalog) -> HwView:
    gpus: list[GpuView] = []
    for g in profile.gpus:
        if g.vendor == "apple":
            continue
        spec = catalog.find_gpu(g.name) if g.name else None
        vram = g.vram_gb if g.vram_gb is not None else (spec.vram_gb if spec else None)
        cc = g.compute_capability or (spec.compute_capability if spec else None)
        unified = bool(g.unified_memory) or bool(spec and spec.unified_memory)
        if g.mig and g.mig.enabled and g.mig.instances:
            # A MIG slice is what a process sees: count the largest slice, not the card.
            mems = [i.memory_gb for i in g.mig.instances if i.memory_gb]
            if mems:
                vram = max(mems)
        # `count` is bounded (pickrt.bounds.MAX_GPUS_PER_NODE) in every profile that reaches here
        for _ in range(min(max(1, g.count if isinstance(g.count, int) else 1), _MAX_PER_ENTRY)):
            gpus.append(GpuView(g.name or "unknown GPU", g.vendor, vram, cc, spec, unified, g.gfx_target))
    vendors = {g.vendor for g in gpus}
    apple = profile.apple
    apple_chip = _apple_chip(apple, catalog) if apple else None
    if apple and (apple.chip or apple_chip):
        accel = "apple"
    elif "nvidia" in vendors:
        accel = "nvidia"
        gpus = [g for g in gpus if g.vendor == "nvidia"] + [g for g in gpus if g.vendor != "nvidia"]
    elif "amd" in vendors:
        accel = "amd"
    elif "intel" in vendors:
        accel = "intel"
    else:
        accel = "cpu"
    # Integrated GPUs that share memory with the CPU and have no catalog entry add little: keep
    # them listed but reason as CPU-only when no discrete or known GPU is present.
    primary = [g for g in gpus if g.vendor == accel] if accel not in ("apple", "cpu") else []
    nodes = 1
    interconnect = None
    if profile.cluster and profile.cluster.nodes:
        nodes = max(1, len(profile.cluster.nodes))
        interconnect = profile.cluster.interconnect
    hv = HwView(
        profile=profile, os=profile.os, arch=profile.arch, accel=accel, gpus=primary if primary else [],
        nodes=nodes, interconnect=interconnect, system_gb=effective_memory_gb(profile),
    )
    if accel == "apple":
        chip = apple_chip
        hv.apple_chip = apple.chip or (f"Apple {chip.name}" if chip else None)
        hv.rosetta = bool(apple.rosetta)
        hv.apple_usable_gb = (apple.gpu_usable_gb if apple.gpu_usable_gb is not None
                              else apple_gpu_usable_gb(apple.memory_gb, fractions=catalog.apple_fraction))
        if chip:
            hv.apple_tb5 = chip.thunderbolt5
            bins = chip.bins
            if apple.gpu_cores:
                bins = [b for b in bins if b.gpu_cores == apple.gpu_cores] or bins
            elif apple.memory_gb:
                # Memory options differ per bin (M3 Max 64 GB only with the 40-core GPU).
                bins = [b for b in bins if any(abs(m - apple.memory_gb) < 1 for m in b.memory_gb)] or bins
            # Unknown bin: the lower bandwidth, so the estimate does not promise too much.
            hv.apple_bandwidth = min(b.bandwidth_gbs for b in bins)
        if hv.system_gb is None:
            hv.system_gb = apple.memory_gb
    cls = hv.classes
    if accel == "apple":
        cls.add("apple")
    elif accel == "cpu":
        cls.add("cpu-only")
    else:
        cls.add(accel)
    if accel == "nvidia":
        kinds = {g.cls for g in hv.gpus}
        if kinds & {"datacenter"}:
            cls.add("nvidia-datacenter")
        if kinds & {"consumer", "workstation"} or not kinds - {None}:
            cls.add("nvidia-consumer")
        if any(g.cls == "embedded" for g in hv.gpus):
            cls.add("jetson")
    if hv.unified:
        cls.add("unified")
    if hv.apple_tb5:
        cls.add("thunderbolt5")
    if hv.gpus and all(g.spec and g.spec.fp8 for g in hv.gpus):
        cls.add("fp8-native")
    if hv.gpus and all(g.spec and g.spec.fp4 for g in hv.gpus):
        cls.add("fp4-native")
    return hv


def _apple_chip(apple, catalog: Catalog):
    """The catalog's chip: by the name detection saw, else by the Mac's model identifier (Rosetta hides the
    chip from an x86_64 process, not the model: MacBookAir10,1 is an M1)."""
    if apple.chip:
        return catalog.find_apple(_chip_family(apple.chip))
    model = (getattr(apple, "machine_model", None) or "").strip().lower()
    if not model:
        return None
    return next((c for c in catalog.apple_chips if model in {m.lower() for m in (c.machine_models or [])}), None)


def _chip_family(chip: str) -> str:
    """'Apple M3 Max (40-core GPU)' -> 'M3 Max'."""
    import re

    m = re.search(r"\bM(\d+)(?:\s+(Pro|Max|Ultra))?\b", chip or "", re.I)
    if not m:
        return chip or ""
    return f"M{m.group(1)}" + (f" {m.group(2).capitalize()}" if m.group(2) else "")


# ---- what-if profiles ----------------------------------------------------------------------

INTERCONNECTS = ("ethernet", "infiniband", "thunderbolt5", "internet")
OSES = ("linux", "macos", "windows")


def whatif_profile(
    catalog: Catalog,
    *,
    gpu: Optional[str] = None,
    gpus: Optional[int] = None,
    vram: Optional[float] = None,
    apple: Optional[str] = None,
    memory: Optional[float] = None,
    os: Optional[str] = None,
    cpu_only: bool = False,
    nodes: Optional[int] = None,
    interconnect: Optional[str] = None,
) -> Profile:
    """A fully simulated profile from what-if flags: nothing of the host leaks in.

    Values are checked against :mod:`pickrt.bounds` here too (``--batch`` lines arrive unparsed):
    a count past its bound is bad input, never a loop of that many records.
    """
    import re

    _check_whatif(gpu=gpu, gpus=gpus, vram=vram, apple=apple, memory=memory, os=os, cpu_only=cpu_only, nodes=nodes,
                  interconnect=interconnect)

    if apple and (gpu or cpu_only):
        raise InputError("--apple cannot be combined with --gpu or --cpu-only (a Mac has no discrete GPU)")
    if gpu and cpu_only:
        raise InputError("--gpu and --cpu-only contradict each other")
    prof = record("Profile", simulated=True, memory_gb=memory)
    if apple:
        m = re.match(r"^\s*(?:apple\s+)?(m\d+(?:\s+(?:pro|max|ultra))?)(?:\s+(\d+)[- ]?core(?:\s+gpu)?)?\s*$", apple, re.I)
        chip = catalog.find_apple(_chip_family(m.group(1))) if m else None
        if not chip:
            known = ", ".join(c.name for c in catalog.apple_chips)
            raise InputError(f"--apple: unknown chip {apple!r}; known: {known} (optionally with a GPU bin, e.g. \"M3 Max 40-core\")")
        cores = int(m.group(2)) if m.group(2) else None
        if cores is not None and cores not in {b.gpu_cores for b in chip.bins}:
            bins = ", ".join(str(b.gpu_cores) for b in chip.bins)
            raise InputError(f"--apple: {chip.name} comes with {bins} GPU cores, not {cores}")
        if os and os != "macos":
            raise InputError(f"--apple implies --os macos, not {os}")
        mem = memory
        if mem is None:
            mem = max(max(b.memory_gb) for b in chip.bins if cores is None or b.gpu_cores == cores)
            prof.memory_gb = mem
        prof.os, prof.arch = "macos", "arm64"
        prof.cpu = record("CPU", model=f"Apple {chip.name}")
        prof.apple = record("Apple", chip=f"Apple {chip.name}", gpu_cores=cores, memory_gb=mem,
                            gpu_usable_gb=apple_gpu_usable_gb(mem, fractions=catalog.apple_fraction))
    elif gpu:
        spec = catalog.find_gpu(gpu)
        if spec is None and vram is None:
            raise InputError(f"--gpu: {gpu!r} is not a GPU pickrt knows; give its memory with --vram GB (see `pickrt knowledge gpus`)")
        if spec is None:
            vendor = "amd" if re.search(r"radeon|instinct|\bmi\d", gpu, re.I) else "intel" if re.search(r"\barc\b|intel", gpu, re.I) else "nvidia"
            g = record("GPU", vendor=vendor, name=gpu, vram_gb=vram)
        else:
            g = record("GPU", vendor=spec.vendor, name=spec.name, vram_gb=vram if vram is not None else spec.vram_gb,
                    compute_capability=spec.compute_capability, gfx_target=spec.gfx,
                    unified_memory=spec.unified_memory or None)
        n = gpus or 1
        prof.gpus = [g.model_copy() for _ in range(n)]
        if spec is not None and spec.cls in ("datacenter",) and os is None:
            prof.os = "linux"
        prof.arch = "arm64" if spec is not None and spec.cls == "embedded" else "x86_64"
        if spec is not None and spec.cls == "embedded":
            prof.os = os or "linux"
    elif vram is not None:
        raise InputError("--vram needs --gpu NAME (the card whose memory it gives)")
    elif gpus:
        raise InputError("--gpus needs --gpu NAME")
    if cpu_only:
        prof.gpus = []
        prof.arch = prof.arch or "x86_64"
    if os:
        prof.os = os
    if prof.os is None:
        prof.os = "linux"
    if prof.arch is None:
        prof.arch = "x86_64"
    if nodes and nodes > 1:
        # each node lists its GPUs as one entry with a count (as cluster summaries do): the
        # profile grows with the number of nodes, never with nodes x GPUs
        per_node = [prof.gpus[0].model_copy(update={"count": len(prof.gpus)})] if prof.gpus else []
        node_list = [record("ClusterNode", name=f"node{i + 1}", gpus=per_node, memory_gb=prof.memory_gb) for i in range(nodes)]
        prof.cluster = record("Cluster", source="what-if", nodes=node_list, gpus_total=len(prof.gpus) * nodes,
                              interconnect=interconnect)
    elif interconnect:
        prof.cluster = None
    return prof


def _check_whatif(*, gpu, gpus, vram, apple, memory, os, cpu_only, nodes, interconnect) -> None:
    from pickrt import bounds as B

    try:
        for flag, v in (("--gpu", gpu), ("--apple", apple)):
            if v is not None and (not isinstance(v, str) or not v.strip() or len(v) > B.MAX_TEXT):
                raise B.BoundError(f"{flag} takes a name of 1 to {B.MAX_TEXT} characters, not {B.clip(v)}")
        if gpus is not None:
            B.whole("--gpus", gpus, 1, B.MAX_GPUS_PER_NODE)
        if nodes is not None:
            B.whole("--nodes", nodes, 1, B.MAX_NODES)
        if vram is not None:
            B.number("--vram", vram, 0.0, B.MAX_GB, unit=" of GiB")
        if memory is not None:
            B.number("--memory", memory, 0.0, B.MAX_GB, unit=" of GiB")
        if not isinstance(cpu_only, bool):
            raise B.BoundError(f"--cpu-only is true or false, not {B.clip(cpu_only)}")
    except B.BoundError as e:
        raise InputError(str(e)) from None
    if os is not None and os not in OSES:
        raise InputError(f"--os: {B.clip(os)} is not one of {', '.join(OSES)}")
    if interconnect is not None and interconnect not in INTERCONNECTS:
        raise InputError(f"--interconnect: {B.clip(interconnect)} is not one of {', '.join(INTERCONNECTS)}")


__all__ = ["GpuView", "HwView", "INTERCONNECTS", "OSES", "view", "whatif_profile"]
